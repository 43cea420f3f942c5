"""Follows the booking topics in the notifications' consumer group and hands each event on.

Offsets are committed after an event is handled; an event whose handling fails is tried
again after a growing pause (svckit.consuming). Undecodable records are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from confluent_kafka import Consumer, Message

from cinemapb.events.v1 import events_pb2
from svckit.consuming import consume
from svckit.kafka import consumer_config, headers_dict
from svckit.metrics import ConsumerLag
from svckit.tracing import receiving
from svckit.vocabulary import CANCEL_REASON, Topic
from user_svc.notifications.events import (
    booking_notice,
    decode_event,
    decode_payment_event,
    event_id_of,
    held_from_waitlist,
)
from user_svc.notifications.messages import BookingNotice, Kind
from user_svc.notifications.notifier import Notifier
from user_svc.notifications.reminders import Reminders

log = logging.getLogger(__name__)

GROUP = "user_svc.notifications"
"""The consumer group (before any test prefix), also the name of its lag metric."""
BATCH_LINGER_SECONDS = 1.0
"""How long a booking event waits for others to share its batch's bookkeeping (one statement
per batch). Without the wait, in the 20-session sale user_svc spent 1.8-2.0 ms of CPU per
hold, and its database three times as much, against 0.62 ms with it."""


class BookingEventHandler:
    """created (or extended): plan the reminder, and tell the user at once of a hold the
    waiting list made for them; confirmed / cancelled: settle it and tell the user;
    payment.refunded (a late payment): tell the user.

    Called with one event it does both; a consumer may instead keep the reminders of a whole
    batch of events (`bookkeep`, one transaction) and then tell the users one event at a time
    (`notify`)."""

    def __init__(self, notifier: Notifier, reminders: Reminders) -> None:
        self.notifier = notifier
        self.reminders = reminders

    async def __call__(self, topic: Topic, event: events_pb2.BookingEvent, ce_id: str) -> None:
        """Handles one event of contract topic `topic` with CloudEvents id `ce_id`."""
        await self.bookkeep([(topic, event, ce_id)])
        await self.notify(topic, event, ce_id)

    async def bookkeep(self, events: Sequence[Received]) -> None:
        """The reminders the events plan and settle, in order, in one transaction."""
        holds: list[tuple[BookingNotice, bytes]] = []
        settled: list[BookingNotice] = []
        for topic, event, ce_id in events:
            event_id = event_id_of(event, ce_id)
            if event_id is None or topic is Topic.PAYMENT_REFUNDED or _seats_released(event):
                continue
            if topic is Topic.BOOKING_CREATED:
                notice = booking_notice(event, Kind.REMINDER, event_id)
                holds.append((notice, event.SerializeToString()))
            else:
                settled.append(booking_notice(event, _kind_of(topic), event_id))
        await self.reminders.bookkeep(holds, settled)

    async def notify(self, topic: Topic, event: events_pb2.BookingEvent, ce_id: str) -> None:
        """Tells the user what the event means for them, if anything."""
        event_id = event_id_of(event, ce_id)
        if event_id is None:
            log.warning("booking %s: event without a valid id; skipped", event.booking_id)
            return
        if topic is Topic.PAYMENT_REFUNDED:
            await self.notifier.notify(booking_notice(event, Kind.REFUNDED, event_id))
            return
        if _seats_released(event):
            return  # some seats given back: the booking goes on, its reminder and all
        if topic is Topic.BOOKING_CREATED:
            if held_from_waitlist(event):
                await self.notifier.notify(booking_notice(event, Kind.WAITLIST, event_id))
            return
        await self.notifier.notify(booking_notice(event, _kind_of(topic), event_id))


def _seats_released(event: events_pb2.BookingEvent) -> bool:
    return CANCEL_REASON.label(event.reason) == "seats_released"


def _kind_of(topic: Topic) -> Kind:
    """What a confirmed or cancelled booking's message says."""
    return Kind.CONFIRMED if topic is Topic.BOOKING_CONFIRMED else Kind.CANCELLED


Received = tuple[Topic, events_pb2.BookingEvent, str]
"""An event as a handler gets it: its contract topic, the event, its CloudEvents id."""
Handler = Callable[[Topic, events_pb2.BookingEvent, str], Awaitable[None]]
Bookkeeping = Callable[[Sequence[Received]], Awaitable[None]]


class BookingEventConsumer:
    def __init__(
        self,
        handle: Handler,
        *,
        bootstrap_servers: str,
        topics: Mapping[str, Topic],
        group: str,
        bookkeep: Bookkeeping | None = None,
    ) -> None:
        """`topics`: real topic name -> contract topic. With `bookkeep`, each batch of
        records is first handed to it whole (before `handle` gets them one by one)."""
        self.handle = handle
        self.bookkeep = bookkeep
        self.config = consumer_config(bootstrap_servers, group)
        self.topics = dict(topics)
        self.lag = ConsumerLag(GROUP)

    async def run(self) -> None:
        consumer = Consumer(self.config)
        await consume(
            consumer,
            list(self.topics),
            self._handle,
            commit=True,
            lag=self.lag,
            first=None if self.bookkeep is None else self._bookkeep,
            linger=BATCH_LINGER_SECONDS,
        )

    async def _bookkeep(self, messages: Sequence[Message]) -> None:
        assert self.bookkeep is not None
        received = [
            decoded
            for message in messages
            if message.error() is None and (decoded := self._decode(message, warn=False))
        ]
        await self.bookkeep(received)

    async def _handle(self, message: Message) -> None:
        decoded = self._decode(message, warn=True)
        if decoded is not None:
            with receiving(message, GROUP):
                await self.handle(*decoded)

    def _decode(self, message: Message, *, warn: bool) -> Received | None:
        topic = self.topics[message.topic() or ""]
        decode = decode_payment_event if topic is Topic.PAYMENT_REFUNDED else decode_event
        event = decode(message.value())
        if event is None:
            if warn:
                log.warning(
                    "skipping an undecodable record at %s[%s]@%s",
                    message.topic(),
                    message.partition(),
                    message.offset(),
                )
            return None
        return topic, event, headers_dict(message).get("ce_id", "")
