"""Follows the booking topics in the notifications' consumer group and hands each event on.

Offsets are committed after an event is handled; an event whose handling fails is tried
again after a growing pause (svckit.consuming). Undecodable records are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

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
from user_svc.notifications.messages import Kind
from user_svc.notifications.notifier import Notifier
from user_svc.notifications.reminders import Reminders

log = logging.getLogger(__name__)

GROUP = "user_svc.notifications"
"""The consumer group (before any test prefix), also the name of its lag metric."""


class BookingEventHandler:
    """created (or extended): plan the reminder, and tell the user at once of a hold the
    waiting list made for them; confirmed / cancelled: settle it and tell the user;
    payment.refunded (a late payment): tell the user."""

    def __init__(self, notifier: Notifier, reminders: Reminders) -> None:
        self.notifier = notifier
        self.reminders = reminders

    async def __call__(self, topic: Topic, event: events_pb2.BookingEvent, ce_id: str) -> None:
        """Handles one event of contract topic `topic` with CloudEvents id `ce_id`."""
        event_id = event_id_of(event, ce_id)
        if event_id is None:
            log.warning("booking %s: event without a valid id; skipped", event.booking_id)
            return
        if topic is Topic.PAYMENT_REFUNDED:
            await self.notifier.notify(booking_notice(event, Kind.REFUNDED, event_id))
            return
        if CANCEL_REASON.label(event.reason) == "seats_released":
            return  # some seats given back: the booking goes on, its reminder and all
        if topic is Topic.BOOKING_CREATED:
            notice = booking_notice(event, Kind.REMINDER, event_id)
            await self.reminders.schedule(notice, event.SerializeToString())
            if held_from_waitlist(event):
                await self.notifier.notify(booking_notice(event, Kind.WAITLIST, event_id))
            return
        kind = Kind.CONFIRMED if topic is Topic.BOOKING_CONFIRMED else Kind.CANCELLED
        notice = booking_notice(event, kind, event_id)
        await self.reminders.settle(notice)
        await self.notifier.notify(notice)


Handler = Callable[[Topic, events_pb2.BookingEvent, str], Awaitable[None]]


class BookingEventConsumer:
    def __init__(
        self,
        handle: Handler,
        *,
        bootstrap_servers: str,
        topics: Mapping[str, Topic],
        group: str,
    ) -> None:
        """`topics`: real topic name -> contract topic."""
        self.handle = handle
        self.config = consumer_config(bootstrap_servers, group)
        self.topics = dict(topics)
        self.lag = ConsumerLag(GROUP)

    async def run(self) -> None:
        consumer = Consumer(self.config)
        await consume(consumer, list(self.topics), self._handle, commit=True, lag=self.lag)

    async def _handle(self, message: Message) -> None:
        topic = self.topics[message.topic() or ""]
        decode = decode_payment_event if topic is Topic.PAYMENT_REFUNDED else decode_event
        event = decode(message.value())
        if event is None:
            log.warning(
                "skipping an undecodable record at %s[%s]@%s",
                message.topic(),
                message.partition(),
                message.offset(),
            )
            return
        ce_id = headers_dict(message).get("ce_id", "")
        with receiving(message, GROUP):
            await self.handle(topic, event, ce_id)
