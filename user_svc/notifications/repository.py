"""SQL for the sent-notification log and reminders, inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.notifications.models import HoldReminder, SentNotification


@dataclass(frozen=True)
class PlannedReminder:
    """A reminder to send at `due_at` for a hold that expires at `expires_at`."""

    booking_id: str
    user_id: int
    due_at: datetime
    expires_at: datetime
    event: bytes


@dataclass(frozen=True)
class Settlement:
    """A booking paid or cancelled: its reminder is not to be sent."""

    booking_id: str
    user_id: int
    expires_at: datetime


@dataclass(frozen=True)
class DueReminder:
    booking_id: str
    expires_at: datetime
    event: bytes


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, event_id: uuid.UUID, channel: str) -> bool:
        """Records the message as sent; False if it already was.

        A concurrent claim of the same message waits for this transaction and then finds it.
        """
        claimed = await self.session.scalar(
            insert(SentNotification)
            .values(event_id=event_id, channel=channel)
            .on_conflict_do_nothing()
            .returning(SentNotification.event_id)
        )
        return claimed is not None

    async def set_outcome(self, event_id: uuid.UUID, channel: str, outcome: str) -> None:
        await self.session.execute(
            update(SentNotification)
            .where(SentNotification.event_id == event_id, SentNotification.channel == channel)
            .values(outcome=outcome)
        )

    async def purge_sent(self, older_than: datetime) -> int:
        deleted = await self.session.scalars(
            delete(SentNotification)
            .where(SentNotification.sent_at < older_than)
            .returning(SentNotification.event_id)
        )
        return len(deleted.all())


class ReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def schedule(
        self, *, booking_id: str, user_id: int, due_at: datetime, expires_at: datetime, event: bytes
    ) -> bool:
        """Adds a pending reminder, or re-plans the booking's reminder for a later deadline (an
        extension) unless the booking is settled; False when nothing changed."""
        plan = PlannedReminder(booking_id, user_id, due_at, expires_at, event)
        return bool(await self.schedule_many([plan]))

    async def schedule_many(self, plans: Sequence[PlannedReminder]) -> list[PlannedReminder]:
        """`schedule` for many reminders in one statement; returns the plans that changed a row.

        Of several plans for one booking the one with the latest deadline counts: scheduled
        one after the other, the later deadlines would re-plan the earlier ones anyway.
        """
        latest: dict[str, PlannedReminder] = {}
        for plan in plans:
            known = latest.get(plan.booking_id)
            if known is None or plan.expires_at > known.expires_at:
                latest[plan.booking_id] = plan
        if not latest:
            return []
        statement = insert(HoldReminder).values(
            [
                {
                    "booking_id": plan.booking_id,
                    "user_id": plan.user_id,
                    "state": "pending",
                    "due_at": plan.due_at,
                    "expires_at": plan.expires_at,
                    "event": plan.event,
                }
                for _, plan in sorted(latest.items())
            ]
        )
        replanned = statement.on_conflict_do_update(
            index_elements=[HoldReminder.booking_id],
            set_={
                "state": "pending",
                "due_at": statement.excluded.due_at,
                "expires_at": statement.excluded.expires_at,
                "event": statement.excluded.event,
                "updated_at": func.now(),
            },
            where=(HoldReminder.state != "settled")
            & (HoldReminder.expires_at < statement.excluded.expires_at),
        )
        changed = set(await self.session.scalars(replanned.returning(HoldReminder.booking_id)))
        return [plan for booking_id, plan in latest.items() if booking_id in changed]

    async def settle(self, *, booking_id: str, user_id: int, expires_at: datetime) -> None:
        """The booking is confirmed or cancelled: a pending reminder is not sent, and a row is
        left behind so a booking.created that comes later schedules none."""
        await self.settle_many([Settlement(booking_id, user_id, expires_at)])

    async def settle_many(self, settlements: Sequence[Settlement]) -> None:
        """`settle` for many bookings in one statement (a booking's first settlement counts)."""
        first: dict[str, Settlement] = {}
        for settlement in settlements:
            first.setdefault(settlement.booking_id, settlement)
        if not first:
            return
        statement = insert(HoldReminder).values(
            [
                {
                    "booking_id": settlement.booking_id,
                    "user_id": settlement.user_id,
                    "state": "settled",
                    "due_at": settlement.expires_at,
                    "expires_at": settlement.expires_at,
                }
                for _, settlement in sorted(first.items())
            ]
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[HoldReminder.booking_id],
                set_={"state": "settled", "event": None, "updated_at": func.now()},
                where=HoldReminder.state == "pending",
            )
        )

    async def lock_due(self, limit: int) -> list[DueReminder]:
        """Pending reminders that are due, locked; rows another replica holds are skipped."""
        rows = await self.session.execute(
            select(HoldReminder.booking_id, HoldReminder.expires_at, HoldReminder.event)
            .where(HoldReminder.state == "pending", HoldReminder.due_at <= func.now())
            .order_by(HoldReminder.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [DueReminder(row.booking_id, row.expires_at, row.event or b"") for row in rows]

    async def finish(self, booking_id: str, state: str) -> None:
        await self.session.execute(
            update(HoldReminder)
            .where(HoldReminder.booking_id == booking_id)
            .values(state=state, event=None, updated_at=func.now())
        )

    async def postpone(self, booking_id: str, delay: timedelta) -> None:
        await self.session.execute(
            update(HoldReminder)
            .where(HoldReminder.booking_id == booking_id)
            .values(due_at=func.now() + delay, updated_at=func.now())
        )

    async def seconds_until_next_due(self) -> float | None:
        """Seconds until the earliest pending reminder is due (negative: overdue), or None."""
        seconds = await self.session.scalar(
            select(func.extract("epoch", func.min(HoldReminder.due_at) - func.now())).where(
                HoldReminder.state == "pending"
            )
        )
        return None if seconds is None else float(seconds)

    async def purge_finished(self, expired_before: datetime) -> int:
        """Forgets rows that can no longer matter: not pending, and the hold long over."""
        deleted = await self.session.scalars(
            delete(HoldReminder)
            .where(HoldReminder.state != "pending", HoldReminder.expires_at < expired_before)
            .returning(HoldReminder.booking_id)
        )
        return len(deleted.all())
