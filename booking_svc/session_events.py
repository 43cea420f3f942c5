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

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from confluent_kafka import Consumer, Message
from google.protobuf.message import DecodeError

from booking_svc.service import BookingService, SessionUpdate
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.events.v1 import events_pb2
from svckit.kafka import consumer_config
from svckit.metrics import ConsumerLag
from svckit.protoconv import from_timestamp

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0


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


async def _poll(consumer: Consumer) -> Message | None:
    """Polls in a worker thread; if cancelled, lets the poll return before the caller closes."""
    polling = asyncio.ensure_future(asyncio.to_thread(consumer.poll, POLL_SECONDS))
    try:
        return await asyncio.shield(polling)
    except asyncio.CancelledError:
        await asyncio.wait([polling])
        raise


async def consume(
    config: dict[str, Any],
    topic: str,
    handle: Callable[[SessionUpdate], Awaitable[None]],
    *,
    commit: bool,
    lag: ConsumerLag,
) -> None:
    """Hands every SessionChanged on `topic` to `handle`, committing after it when asked."""
    consumer = Consumer(config)
    consumer.subscribe([topic])
    try:
        while True:
            message = await _poll(consumer)
            lag.refresh(consumer)
            if message is None:
                continue
            if message.error() is not None:
                log.warning("session events: %s", message.error())
                continue
            update = session_update(message.value())
            if update is None:
                log.warning("skipping an undecodable record at offset %s", message.offset())
            else:
                await handle(update)
            if commit:
                await asyncio.to_thread(consumer.commit, message=message, asynchronous=False)
    finally:
        await asyncio.to_thread(consumer.close)


class SessionEvents:
    def __init__(
        self, bookings: BookingService, *, bootstrap_servers: str, topic: str, group: str
    ) -> None:
        self.bookings = bookings
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.group = group

    async def apply(self, update: SessionUpdate) -> None:
        cancelled = await self.bookings.apply_session_update(update)
        if cancelled:
            log.info("session %d cancelled: %d bookings cancelled", update.session_id, cancelled)

    async def forget(self, update: SessionUpdate) -> None:
        self.bookings.seating.invalidate(update.session_id)

    async def run_durable(self) -> None:
        """The service's share of the events, each handled once (at least once)."""
        config = consumer_config(self.bootstrap_servers, self.group)
        lag = ConsumerLag("booking_svc.session-events")
        await consume(config, self.topic, self.apply, commit=True, lag=lag)

    async def run_broadcast(self) -> None:
        """Every event, in every process, to keep each process's cache fresh."""
        group = f"{self.group}.cache-{uuid.uuid4().hex[:12]}"
        config = consumer_config(self.bootstrap_servers, group) | {"auto.offset.reset": "latest"}
        lag = ConsumerLag("booking_svc.seating-cache")
        await consume(config, self.topic, self.forget, commit=False, lag=lag)
