"""Follows cinema_svc's SessionChanged events.

Two consumers, because they have different audiences:
- the durable one (the service's consumer group, offsets committed after handling) does the
  database work once per event: cancelling a cancelled session's bookings, keeping copied
  session times current. Handling is idempotent, so a redelivered event changes nothing.
- the broadcast one (a group of its own per process, from the latest offset, no commits)
  drops the session from this process's seating cache, so every replica forgets it, not
  only the one the durable group assigned the partition to.
"""

from __future__ import annotations

import logging
import uuid

from confluent_kafka import Consumer, Message
from google.protobuf.message import DecodeError

from booking_svc.service import BookingService, SessionUpdate
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.events.v1 import events_pb2
from svckit.consuming import consume
from svckit.kafka import consumer_config
from svckit.metrics import ConsumerLag
from svckit.protoconv import from_timestamp

log = logging.getLogger(__name__)


def session_update(value: bytes | None) -> SessionUpdate | None:
    """The change a SessionChanged record announces; None for a record that is not one."""
    try:
        event = events_pb2.SessionChanged.FromString(value or b"")
    except DecodeError:
        return None
    session = event.session
    if session.id <= 0:
        return None
    return SessionUpdate(
        session_id=session.id,
        starts_at=from_timestamp(session.start_time),
        ends_at=from_timestamp(session.end_time),
        cancelled=session.status == cinema_pb2.SESSION_STATUS_CANCELLED,
    )


class SessionEvents:
    def __init__(
        self, bookings: BookingService, *, bootstrap_servers: str, topic: str, group: str
    ) -> None:
        self.bookings = bookings
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.group = group

    async def apply(self, message: Message) -> None:
        if (update := _decoded(message)) is None:
            return
        cancelled = await self.bookings.apply_session_update(update)
        if cancelled:
            log.info("session %d cancelled: %d bookings cancelled", update.session_id, cancelled)

    async def forget(self, message: Message) -> None:
        if (update := _decoded(message)) is not None:
            self.bookings.seating.invalidate(update.session_id)

    async def run_durable(self) -> None:
        """The service's share of the events, each handled once (at least once)."""
        consumer = Consumer(consumer_config(self.bootstrap_servers, self.group))
        lag = ConsumerLag("booking_svc.session-events")
        await consume(consumer, [self.topic], self.apply, commit=True, lag=lag)

    async def run_broadcast(self) -> None:
        """Every event, in every process, to keep each process's cache fresh."""
        group = f"{self.group}.cache-{uuid.uuid4().hex[:12]}"
        config = consumer_config(self.bootstrap_servers, group) | {"auto.offset.reset": "latest"}
        lag = ConsumerLag("booking_svc.seating-cache")
        await consume(Consumer(config), [self.topic], self.forget, commit=False, lag=lag)


def _decoded(message: Message) -> SessionUpdate | None:
    update = session_update(message.value())
    if update is None:
        log.warning("skipping an undecodable record at offset %s", message.offset())
    return update
