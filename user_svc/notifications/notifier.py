"""Tells a booking's owner about it: one email, and one push to each of their browsers.

Each (notice, channel) is sent in its own transaction: claim the sent_notifications row,
send, commit. A redelivered event finds the row and sends nothing; a failed send rolls the
claim back and raises, so the event is handled again later. A crash after the send and
before the commit sends that one message again: at least once at the SMTP (or push service)
boundary, exactly once everywhere inside.

Push endpoints are third parties chosen by users, so one that keeps failing must not hold
up everybody's notifications: after MAX_PUSH_ATTEMPTS failed tries of one message it is
recorded as `failed` and the event moves on. A subscription the push service calls gone is
deleted through the Recipients port.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from user_svc.notifications.mailer import Mailer, SendFailed
from user_svc.notifications.messages import BookingNotice, Kind, Message, Style, compose
from user_svc.notifications.recipients import Recipients, Subscription
from user_svc.notifications.repository import NotificationRepository
from user_svc.notifications.shows import ShowLookup
from user_svc.notifications.webpush import Pusher, PushFailed, PushOutcome

log = logging.getLogger(__name__)

EMAIL = "email"
PUSH_TTL_SECONDS = 24 * 3600
"""How long a push service keeps a confirmation or cancellation for an offline browser; a
reminder or a hold from the waiting list lives only until the hold expires, and is urgent."""
MAX_PUSH_ATTEMPTS = 5
MAX_TRACKED_FAILURES = 1024


def push_channel(subscription_id: int) -> str:
    return f"push:{subscription_id}"


class Notifier:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        recipients: Recipients,
        mailer: Mailer,
        push: Pusher,
        shows: ShowLookup,
        style: Style,
    ) -> None:
        self.sessions = sessions
        self.recipients = recipients
        self.mailer = mailer
        self.push = push
        self.shows = shows
        self.style = style
        self._push_failures: dict[tuple[uuid.UUID, int], int] = {}

    async def notify(self, notice: BookingNotice) -> None:
        """Sends what has not been sent for this notice; raises if a send should be retried."""
        recipient = await self.recipients.recipient(notice.user_id)
        if recipient is None:
            log.info("booking %s: user %d no longer exists", notice.booking_id, notice.user_id)
            return
        message = compose(
            notice, await self.shows.show(notice.session_id), recipient.name, self.style
        )

        async def email() -> str:
            try:
                await self.mailer.send(
                    recipient.email, message.subject, message.body, message.attachments
                )
            except SendFailed as failure:
                if not failure.permanent:
                    raise
                log.warning("booking %s: email refused for good: %s", notice.booking_id, failure)
                return "rejected"
            return "sent"

        await self._once(notice.event_id, EMAIL, email)
        for subscription in recipient.subscriptions:
            await self._push_once(notice, subscription, message)

    async def _push_once(
        self, notice: BookingNotice, subscription: Subscription, message: Message
    ) -> None:
        ttl, urgency = PUSH_TTL_SECONDS, "normal"
        if notice.kind in (Kind.REMINDER, Kind.WAITLIST) and notice.expires_at is not None:
            ttl = int((notice.expires_at - datetime.now(UTC)).total_seconds())
            urgency = "high"

        async def push() -> str:
            try:
                outcome = await self.push.send(
                    subscription, message.push.encode(), ttl=ttl, urgency=urgency
                )
            except PushFailed as failure:
                if self._count_failure(notice.event_id, subscription.id) < MAX_PUSH_ATTEMPTS:
                    raise
                log.warning("push to subscription %d given up: %s", subscription.id, failure)
                return "failed"
            self._push_failures.pop((notice.event_id, subscription.id), None)
            if outcome is PushOutcome.GONE:
                await self.recipients.forget_subscription(subscription.id)
                log.info("push subscription %d is gone; deleted it", subscription.id)
            return outcome

        await self._once(notice.event_id, push_channel(subscription.id), push)

    def _count_failure(self, event_id: uuid.UUID, subscription_id: int) -> int:
        """How many times this push has failed now; forgets the count when it gives up."""
        if len(self._push_failures) >= MAX_TRACKED_FAILURES:
            self._push_failures.clear()
        key = (event_id, subscription_id)
        attempts = self._push_failures.pop(key, 0) + 1
        if attempts < MAX_PUSH_ATTEMPTS:
            self._push_failures[key] = attempts
        return attempts

    async def _once(
        self,
        event_id: uuid.UUID,
        channel: str,
        send: Callable[[], Awaitable[str]],
    ) -> None:
        """Claims, sends and records the outcome in one transaction, unless already sent."""
        async with self.sessions.begin() as db:
            repository = NotificationRepository(db)
            if not await repository.claim(event_id, channel):
                return
            outcome = await send()
            if outcome != "sent":
                await repository.set_outcome(event_id, channel, outcome)
