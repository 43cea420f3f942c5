"""A reminder to pay, HOLD_REMINDER_SECONDS before an unpaid hold expires.

booking.created schedules one (unless it would already be due), booking.confirmed and
booking.cancelled settle it. An extended hold (a booking.extended record on the same topic,
with the later deadline) re-plans it: a pending reminder moves, and one already sent or
missed is planned again for the new deadline. A loop sends due reminders: it locks them with
`FOR UPDATE SKIP LOCKED`, so replicas share the work without sending one twice, then sleeps
until the next one is due (at most a few seconds; a new reminder in this process wakes it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from svckit.db import reading
from user_svc.notifications.events import booking_notice, decode_event, reminder_id
from user_svc.notifications.messages import BookingNotice, Kind
from user_svc.notifications.notifier import Notifier
from user_svc.notifications.repository import (
    NotificationRepository,
    PlannedReminder,
    ReminderRepository,
    Settlement,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 20
"""Something is due but another replica holds it: look again shortly, not in a spin."""
RETRY_DELAY = timedelta(seconds=30)
KEEP_FINISHED = timedelta(hours=1)
"""A settled row outlives its hold by this much, for a booking.created that comes late."""
KEEP_SENT_LOG = timedelta(days=30)
"""Longer than Kafka keeps records, so a redelivered event is always recognised."""
PURGE_INTERVAL_SECONDS = 600.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class Reminders:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        notifier: Notifier,
        *,
        lead: timedelta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.sessions = sessions
        self.notifier = notifier
        self.lead = lead
        self.clock = clock
        self.on_schedule: Callable[[float], None] = lambda _due: None
        """Told the due time (epoch seconds) of every reminder planned."""

    async def schedule(self, notice: BookingNotice, event: bytes) -> bool:
        """Plans the reminder of a new or extended hold; False when it is too late, already
        known, or the booking is settled."""
        return bool(await self.bookkeep([(notice, event)], []))

    async def settle(self, notice: BookingNotice) -> None:
        """The booking was paid or cancelled: no reminder for it, now or later."""
        await self.bookkeep([], [notice])

    async def bookkeep(
        self, holds: Sequence[tuple[BookingNotice, bytes]], settled: Sequence[BookingNotice]
    ) -> int:
        """The reminders of a batch of events in one transaction of two statements: the new
        or extended `holds` (notice, encoded event) planned, then the `settled` bookings
        settled (a hold settled in the same batch ends settled, as one by one); returns how
        many reminders were planned or re-planned."""
        if self.lead <= timedelta(0):
            return 0
        now = self.clock()
        plans = [
            PlannedReminder(notice.booking_id, notice.user_id, due_at, notice.expires_at, event)
            for notice, event in holds
            if notice.expires_at is not None and (due_at := notice.expires_at - self.lead) > now
        ]
        settlements = [
            Settlement(notice.booking_id, notice.user_id, notice.expires_at or now)
            for notice in settled
        ]
        if not plans and not settlements:
            return 0
        async with self.sessions.begin() as db:
            repository = ReminderRepository(db)
            planned = await repository.schedule_many(plans)
            await repository.settle_many(settlements)
        for plan in planned:
            self.on_schedule(plan.due_at.timestamp())
        return len(planned)

    async def send_due(self, limit: int = BATCH_SIZE) -> int:
        """Sends up to `limit` due reminders; returns how many it took."""
        async with self.sessions.begin() as db:
            repository = ReminderRepository(db)
            due = await repository.lock_due(limit)
            for reminder in due:
                event = decode_event(reminder.event)
                if event is None or reminder.expires_at <= self.clock():
                    await repository.finish(reminder.booking_id, "missed")
                    continue
                once = reminder_id(reminder.booking_id, reminder.expires_at)
                notice = booking_notice(event, Kind.REMINDER, once)
                try:
                    await self.notifier.notify(notice)
                except Exception:
                    log.exception("reminder for booking %s failed; retrying", notice.booking_id)
                    await repository.postpone(reminder.booking_id, RETRY_DELAY)
                    continue
                await repository.finish(reminder.booking_id, "sent")
        return len(due)

    async def seconds_until_next_due(self) -> float | None:
        async with reading(self.sessions) as db:
            return await ReminderRepository(db).seconds_until_next_due()

    async def purge(self) -> None:
        """Forgets finished reminders and sent-notification records nobody can need again."""
        now = self.clock()
        async with self.sessions.begin() as db:
            reminders = await ReminderRepository(db).purge_finished(now - KEEP_FINISHED)
            sent = await NotificationRepository(db).purge_sent(now - KEEP_SENT_LOG)
        if reminders or sent:
            log.info("purged %d finished reminders and %d sent records", reminders, sent)
