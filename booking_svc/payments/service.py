"""The payment use cases: open a payment of a pending booking, and act on a provider's
verified webhook (confirm the booking, or refund a payment that came too late)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta

import prometheus_client as prom
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from booking_svc.domain import (
    Booking,
    Change,
    Status,
    booking_not_found,
    parse_booking_id,
    refuse_confirm,
)
from booking_svc.events import BookingEvents
from booking_svc.payments.events import PaymentEvents
from booking_svc.payments.provider import IntentRequest, Outcome, PaymentProvider, ProviderEvent
from booking_svc.payments.store import PaymentRecord, PaymentStore
from booking_svc.repository import BookingRepository
from svckit.errors import Conflict, InvalidArgument, Unauthenticated
from svckit.identity import Caller, signed_in
from svckit.vocabulary import Topic

log = logging.getLogger(__name__)

EVENT_MEMORY = timedelta(days=1)
"""How long received webhook event ids are kept: far longer than the signature tolerance."""
WEBHOOKS = prom.Counter(
    "booking_payment_webhooks_total",
    "Provider webhooks by what they did: confirmed, refunded (late), failed (declined), "
    "ignored (settled already, or not ours), replayed, refused (bad signature or timestamp).",
    ["outcome"],
)
for _outcome in ("confirmed", "refunded", "failed", "ignored", "replayed", "refused"):
    WEBHOOKS.labels(_outcome)


def no_provider() -> Conflict:
    return Conflict(
        "this cinema takes no online payments; confirm the booking instead",
        code="no_payment_provider",
    )


def _description(booking: Booking) -> str:
    seats = ", ".join(f"row {seat.row} seat {seat.number}" for seat in booking.seats)
    return f"Cinema tickets, session {booking.session_id}: {seats}"


class PaymentService:
    def __init__(
        self,
        database: AsyncEngine,
        provider: PaymentProvider | None,
        booking_events: BookingEvents,
        payment_events: PaymentEvents,
        *,
        currency: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.provider = provider
        self.booking_events = booking_events
        self.payment_events = payment_events
        self.currency = currency
        self.clock = clock

    async def pay(self, caller: Caller | None, raw_id: str) -> tuple[PaymentRecord, bool]:
        """The open payment of the caller's pending hold, opened now if there is none; and
        whether it was opened now."""
        user = signed_in(caller, "sign in to pay")
        booking_id = parse_booking_id(raw_id)
        provider = self.provider
        if provider is None:
            raise no_provider()
        async with self.database.begin() as db:
            store = PaymentStore(db)
            repo = BookingRepository(db)
            await store.lock_booking(booking_id)
            state = await repo.state(booking_id)
            if state is None or state.user_id != user.user_id:
                raise booking_not_found(raw_id)
            started = state.starts_in <= timedelta(0)
            if state.status != Status.PENDING or state.past_deadline or started:
                raise refuse_confirm(state)
            found = await store.open_payment(booking_id)
            if found is not None:
                return found, False
            booking = await repo.get(booking_id)
            assert booking is not None
            payment_id = uuid.uuid4()
            intent = await provider.create_intent(
                IntentRequest(
                    payment_id=payment_id,
                    booking_id=booking_id,
                    amount_cents=booking.total_price_cents,
                    currency=self.currency,
                    description=_description(booking),
                )
            )
            record = PaymentRecord(
                id=payment_id,
                booking_id=booking_id,
                provider=provider.name,
                provider_ref=intent.provider_ref,
                status="requires_payment",
                amount_cents=booking.total_price_cents,
                currency=self.currency,
                checkout_url=intent.checkout_url,
            )
            await store.add(record)
        log.info("payment %s opened for booking %s", payment_id, booking_id)
        return record, True

    async def receive_webhook(self, payload: bytes, headers: Mapping[str, str]) -> str:
        """Acts on a provider's webhook once; returns the event id. 401 for a bad signature or
        an old timestamp, 409 `webhook_replayed` for an event id seen before: neither changes
        anything."""
        provider = self.provider
        if provider is None:
            raise no_provider()
        try:
            event = provider.verify(payload, headers, self.clock())
        except Unauthenticated:
            WEBHOOKS.labels("refused").inc()
            raise
        async with self.database.begin() as db:
            store = PaymentStore(db)
            if not await store.remember_event(event.event_id, provider.name):
                WEBHOOKS.labels("replayed").inc()
                raise Conflict(f"event {event.event_id} came before", code="webhook_replayed")
            if event.outcome is Outcome.SUCCEEDED:
                outcome = await self._succeeded(db, provider, event)
            else:
                log.info("payment %s: %s", event.provider_ref, event.outcome)
                outcome = "failed" if event.outcome is Outcome.FAILED else "ignored"
        WEBHOOKS.labels(outcome).inc()
        return event.event_id

    async def forget_old_events(self) -> int:
        """Drops webhook event ids older than EVENT_MEMORY; returns how many."""
        async with self.database.begin() as db:
            return await PaymentStore(db).forget_events(EVENT_MEMORY)

    async def _succeeded(
        self, db: AsyncConnection, provider: PaymentProvider, event: ProviderEvent
    ) -> str:
        """Confirms the booking if its hold still stands, else refunds: in one transaction
        that holds the booking's row lock, so an expiry cannot come in between. Returns what
        it did."""
        store = PaymentStore(db)
        found = await store.by_ref(provider.name, event.provider_ref)
        if found is None:
            log.warning("webhook %s names no payment of ours; ignored", event.event_id)
            return "ignored"
        await store.lock_booking(found.booking_id)
        payment = await store.by_ref(provider.name, event.provider_ref, lock=True)
        assert payment is not None
        if payment.status != "requires_payment":
            log.info("payment %s is %s already; event ignored", payment.id, payment.status)
            return "ignored"
        if (event.amount_cents, event.currency) != (payment.amount_cents, payment.currency):
            raise InvalidArgument("the amount is not the payment's", code="invalid_webhook")
        repo = BookingRepository(db)
        booking = await repo.get(payment.booking_id)
        assert booking is not None
        confirmed = await repo.confirm(booking.id, booking.user_id)
        if confirmed is not None:
            await store.settle(payment.id, "succeeded")
            await self.booking_events.add(db, Topic.BOOKING_CONFIRMED, [confirmed])
            await self.payment_events.add(db, Topic.PAYMENT_SUCCEEDED, payment, confirmed)
            log.info("payment %s succeeded: booking %s confirmed", payment.id, booking.id)
            return "confirmed"
        await self._refund_late(db, provider, payment)
        return "refunded"

    async def _refund_late(
        self, db: AsyncConnection, provider: PaymentProvider, payment: PaymentRecord
    ) -> None:
        """The money came after the hold expired or was cancelled: the seats are not sold, the
        payment goes back (a hold still pending past its deadline is expired here)."""
        store = PaymentStore(db)
        repo = BookingRepository(db)
        ended = await repo.expire_one(payment.booking_id)
        await self.booking_events.add(db, Topic.BOOKING_CANCELLED, ended)
        await provider.refund(payment.provider_ref, payment.amount_cents)
        await store.settle(payment.id, "refunded")
        await store.mark_booking_refunded(payment.booking_id)
        booking = await repo.get(payment.booking_id)
        assert booking is not None
        version = ended[0].seat_map_version if ended else 0
        await self.payment_events.add(
            db, Topic.PAYMENT_REFUNDED, payment, Change(booking, version), "late_payment"
        )
        log.warning("payment %s came after booking %s ended: refunded", payment.id, booking.id)
