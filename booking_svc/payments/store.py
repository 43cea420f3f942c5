"""The payments' SQL in intents: lock a booking, find or open its payment, remember a webhook
event, settle a payment. Lock order as in booking_svc.statements: the booking row first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from booking_svc import statements as booking_sql
from booking_svc.domain import Payment as BookingPayment
from booking_svc.models import bookings
from booking_svc.payments.tables import payments, webhook_events
from svckit.vocabulary import IntentStatus

P = payments.c
COLUMNS = (
    P.id,
    P.booking_id,
    P.provider,
    P.provider_ref,
    P.status,
    P.amount_cents,
    P.currency,
    P.checkout_url,
)


@dataclass(frozen=True)
class PaymentRecord:
    id: uuid.UUID
    booking_id: uuid.UUID
    provider: str
    provider_ref: str
    status: IntentStatus
    amount_cents: int
    currency: str
    checkout_url: str


class PaymentStore:
    def __init__(self, db: AsyncConnection) -> None:
        self.db = db

    async def lock_booking(self, booking_id: uuid.UUID) -> bool:
        """Locks the booking row (first, by the lock order); False when there is none."""
        return await self.db.scalar(booking_sql.one_booking(booking_id)) is not None

    async def open_payment(self, booking_id: uuid.UUID) -> PaymentRecord | None:
        query = select(*COLUMNS).where(P.booking_id == booking_id, P.status == "requires_payment")
        return await self._one(query)

    async def add(self, record: PaymentRecord) -> None:
        await self.db.execute(payments.insert().values(**record.__dict__))

    async def by_ref(self, provider: str, ref: str, *, lock: bool = False) -> PaymentRecord | None:
        query = select(*COLUMNS).where(P.provider == provider, P.provider_ref == ref)
        return await self._one(query.with_for_update() if lock else query)

    async def remember_event(self, event_id: str, provider: str) -> bool:
        """Stores a webhook event's id; False when it was stored before (a replay). A
        concurrent copy waits here for the first to commit, then finds it stored."""
        stored = await self.db.execute(
            pg_insert(webhook_events)
            .values(event_id=event_id, provider=provider)
            .on_conflict_do_nothing()
            .returning(webhook_events.c.event_id)
        )
        return stored.one_or_none() is not None

    async def settle(self, payment_id: uuid.UUID, status: IntentStatus) -> None:
        await self.db.execute(update(payments).where(P.id == payment_id).values(status=status))

    async def mark_booking_refunded(self, booking_id: uuid.UUID) -> None:
        await self.db.execute(
            update(bookings)
            .where(bookings.c.id == booking_id)
            .values(payment_status=BookingPayment.REFUNDED.value)
        )

    async def forget_events(self, older_than: timedelta) -> int:
        """Drops the ids of events received more than `older_than` ago (past the tolerance, a
        replay of one is refused as stale anyway); returns how many."""
        received = webhook_events.c.received_at
        gone = await self.db.execute(
            delete(webhook_events)
            .where(received < func.now() - older_than)
            .returning(webhook_events.c.event_id)
        )
        return len(gone.all())

    async def _one(self, query: Select[Any]) -> PaymentRecord | None:
        row = (await self.db.execute(query)).one_or_none()
        return None if row is None else PaymentRecord(*row)
