"""Every booking event, in every gateway process, handed to the live hub and the seat-map store.

The consumer assigns itself every partition of the three booking topics and of
`cinema.session-changed` at their current end (no consumer group coordination, no commits), so
each replica sees every event from the moment it is ready; only then does the hub accept
watchers and the store keep seat maps. Records of sessions nobody watches and the store does
not keep are skipped before they are decoded.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from confluent_kafka import Consumer, Message
from google.protobuf.message import DecodeError

from cinemapb.events.v1 import events_pb2
from gateway.live.hub import LiveHub
from gateway.live.protocol import Change, change
from gateway.live.seatmaps import SeatMapStore
from svckit.kafka import arrived_records, assign_at_end, broadcast_consumer_config
from svckit.metrics import ConsumerLag
from svckit.settings import KafkaSettings
from svckit.tracing import received
from svckit.vocabulary import BOOKING_TOPICS, Topic

log = logging.getLogger(__name__)

BATCH_SIZE = 100
"""At most this many records per hand-over: less than a watcher's inbox holds."""


def live_consumer_config(settings: KafkaSettings) -> dict[str, Any]:
    """A group of its own per process, tuned to hand over each record at once."""
    group = settings.consumer_group(f"gateway-live-{uuid.uuid4().hex}")
    return broadcast_consumer_config(settings.kafka_bootstrap_servers, group)


class BookingEventFeed:
    """Consumes the booking topics into `hub` and `seat_maps` for as long as `run` runs."""

    def __init__(self, hub: LiveHub, settings: KafkaSettings, seat_maps: SeatMapStore) -> None:
        self.hub = hub
        self.seat_maps = seat_maps
        self.settings = settings
        self.topics = {
            settings.topic(topic): topic for topic in (*BOOKING_TOPICS, Topic.SESSION_CHANGED)
        }
        self.lag = ConsumerLag("gateway.live")
        self._runs = 0

    async def run(self) -> None:
        consumer = Consumer(live_consumer_config(self.settings))
        try:
            await asyncio.to_thread(assign_at_end, consumer, list(self.topics))
            if self._runs:
                self.hub.resync_all()
            self.seat_maps.forget_all()
            self._runs += 1
            self.hub.live.set()
            log.info("live feed consuming %s", ", ".join(self.topics))
            while True:
                records = await arrived_records(consumer, BATCH_SIZE)
                self.lag.refresh(consumer)
                self.hand_over(records)
        finally:
            self.hub.live.clear()
            self.seat_maps.forget_all()
            await asyncio.to_thread(consumer.close)

    def hand_over(self, records: list[Message]) -> None:
        """Gives the hub and the seat-map store the changes among `records` they want, each in
        its event's trace; a changed session's kept seat map is dropped first."""
        with received(records, "gateway.live"):
            self.seat_maps.session_changed(self.changed_sessions(records))
            changes = self.changes(records)
            self.hub.publish(changes)
            self.seat_maps.apply(changes)

    def changed_sessions(self, records: list[Message]) -> list[int]:
        """The kept sessions among `records` of `cinema.session-changed`."""
        changed = []
        for record in records:
            if self.topics.get(record.topic() or "") != Topic.SESSION_CHANGED:
                continue
            key = record.key() or b""
            if key.isdigit() and not self.seat_maps.keeps(int(key)):
                continue
            try:
                event = events_pb2.SessionChanged.FromString(record.value() or b"")
            except DecodeError:
                log.warning("live feed: undecodable record at offset %s", record.offset())
                continue
            if event.session.id > 0:
                changed.append(event.session.id)
        return changed

    def changes(self, records: list[Message]) -> list[Change]:
        """The watched or kept sessions' changes among `records`, in version order per session."""
        found = []
        for record in records:
            if record.error() is not None:
                log.warning("live feed: %s", record.error())
                continue
            if (decoded := self._decode(record)) is not None:
                found.append(decoded)
        return sorted(found, key=lambda c: (c.session_id, c.version))

    def _decode(self, record: Message) -> Change | None:
        topic = self.topics.get(record.topic() or "")
        if topic is None or topic not in BOOKING_TOPICS:
            return None
        key = record.key() or b""
        if key.isdigit() and not self._wanted(int(key)):
            return None
        try:
            event = events_pb2.BookingEvent.FromString(record.value() or b"")
        except DecodeError:
            log.warning("live feed: undecodable record at offset %s", record.offset())
            return None
        if event.session_id <= 0 or event.seat_map_version <= 0:
            return None
        return change(topic, event)

    def _wanted(self, session_id: int) -> bool:
        return self.hub.watchers(session_id) > 0 or self.seat_maps.keeps(session_id)
