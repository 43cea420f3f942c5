"""Follows the booking topics in user_svc's consumer group and hands each event on.

Offsets are committed after an event is handled. When handling fails, the consumer seeks
back to that record and tries it again after a growing pause, polling meanwhile so it stays
in its group; records of other partitions keep flowing. Undecodable records are skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from confluent_kafka import Consumer, Message, TopicPartition

from cinemapb.events.v1 import events_pb2
from svckit.kafka import consumer_config, headers_dict
from user_svc.notifications.events import booking_notice, decode_event, event_id_of
from user_svc.notifications.messages import Kind
from user_svc.notifications.notifier import Notifier
from user_svc.notifications.reminders import Reminders

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0
CREATED = "booking.created"
CONFIRMED = "booking.confirmed"
CANCELLED = "booking.cancelled"
TOPICS = (CREATED, CONFIRMED, CANCELLED)


class BookingEventHandler:
    """created: plan a reminder; confirmed / cancelled: settle it and tell the user."""

    def __init__(self, notifier: Notifier, reminders: Reminders) -> None:
        self.notifier = notifier
        self.reminders = reminders

    async def __call__(self, name: str, event: events_pb2.BookingEvent, ce_id: str) -> None:
        """Handles one event of contract topic `name` with CloudEvents id `ce_id`."""
        event_id = event_id_of(event, ce_id)
        if event_id is None:
            log.warning("booking %s: event without a valid id; skipped", event.booking_id)
            return
        if name == CREATED:
            notice = booking_notice(event, Kind.REMINDER, event_id)
            await self.reminders.schedule(notice, event.SerializeToString())
            return
        kind = Kind.CONFIRMED if name == CONFIRMED else Kind.CANCELLED
        notice = booking_notice(event, kind, event_id)
        await self.reminders.settle(notice)
        await self.notifier.notify(notice)


Handler = Callable[[str, events_pb2.BookingEvent, str], Awaitable[None]]


def retry_delay(failures: int) -> float:
    return float(min(0.5 * 2 ** (failures - 1), MAX_RETRY_SECONDS))


def position(message: Message) -> TopicPartition:
    """Where a consumed record sits, to seek back to it."""
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    if topic is None or partition is None or offset is None:
        raise ValueError("a consumed record has a topic, partition and offset")
    return TopicPartition(topic, partition, offset)


async def _poll(consumer: Consumer) -> Message | None:
    """Polls in a worker thread; if cancelled, lets the poll return before the caller closes."""
    polling = asyncio.ensure_future(asyncio.to_thread(consumer.poll, POLL_SECONDS))
    try:
        return await asyncio.shield(polling)
    except asyncio.CancelledError:
        await asyncio.wait([polling])
        raise


class BookingEventConsumer:
    def __init__(
        self,
        handle: Handler,
        *,
        bootstrap_servers: str,
        topics: Mapping[str, str],
        group: str,
    ) -> None:
        """`topics`: real topic name -> contract name (booking.created, ...)."""
        self.handle = handle
        self.config = consumer_config(bootstrap_servers, group)
        self.topics = dict(topics)

    async def run(self) -> None:
        consumer = Consumer(self.config)
        consumer.subscribe(list(self.topics))
        failures = 0
        try:
            while True:
                message = await _poll(consumer)
                if message is None:
                    continue
                if message.error() is not None:
                    log.warning("booking events: %s", message.error())
                    continue
                try:
                    await self._handle(message)
                except Exception:
                    failures += 1
                    delay = retry_delay(failures)
                    log.exception("booking event not handled; retrying in %.1fs", delay)
                    await asyncio.to_thread(consumer.seek, position(message))
                    await asyncio.sleep(delay)
                    continue
                failures = 0
                await asyncio.to_thread(consumer.commit, message=message, asynchronous=False)
        finally:
            await asyncio.to_thread(consumer.close)

    async def _handle(self, message: Message) -> None:
        event = decode_event(message.value())
        if event is None:
            log.warning(
                "skipping an undecodable record at %s[%s]@%s",
                message.topic(),
                message.partition(),
                message.offset(),
            )
            return
        ce_id = headers_dict(message).get("ce_id", "")
        await self.handle(self.topics[message.topic() or ""], event, ce_id)
