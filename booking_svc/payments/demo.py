"""The demo card processor: the PaymentProvider adapter booking_svc talks to, and the hosted
checkout the customer pays on. It keeps its own tables, as a real processor keeps its own
records, and tells booking_svc the outcome only through signed webhooks (demo_webhooks.py).

Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined, and
4000 0000 0000 3220 succeeds only after an extra confirmation (like 3-D Secure).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from booking_svc.payments.provider import Intent, IntentRequest, Outcome, ProviderEvent
from booking_svc.payments.signature import SIGNATURE_HEADER, verify
from booking_svc.payments.tables import demo_payments, demo_webhooks
from svckit.db import reading
from svckit.errors import Conflict, InvalidArgument, NotFound
from svckit.vocabulary import CheckoutStatus

PROVIDER_NAME = "demo"
SUCCEEDED_EVENT = "payment_intent.succeeded"
FAILED_EVENT = "payment_intent.payment_failed"
OUTCOME_OF_EVENT = {SUCCEEDED_EVENT: Outcome.SUCCEEDED, FAILED_EVENT: Outcome.FAILED}
CARD_NUMBER = re.compile(r"[0-9]{12,19}")
P = demo_payments.c


class Card(StrEnum):
    """How a test card behaves."""

    SUCCEEDS = "succeeds"
    DECLINED = "declined"
    NEEDS_CONFIRMATION = "needs_confirmation"


TEST_CARDS = {
    "4242424242424242": Card.SUCCEEDS,
    "4000000000000002": Card.DECLINED,
    "4000000000003220": Card.NEEDS_CONFIRMATION,
}
STATUS_AFTER_CARD: Mapping[Card, CheckoutStatus] = {
    Card.SUCCEEDS: "succeeded",
    Card.DECLINED: "declined",
    Card.NEEDS_CONFIRMATION: "requires_action",
}
PAYABLE: tuple[CheckoutStatus, ...] = ("open", "declined")


def card_of(number: str) -> Card:
    """The behaviour of a test card number (spaces and dashes allowed), or 422."""
    digits = re.sub(r"[\s-]", "", number)
    if not CARD_NUMBER.fullmatch(digits):
        raise InvalidArgument("a card number is 12 to 19 digits", code="invalid_card_number")
    card = TEST_CARDS.get(digits)
    if card is None:
        raise InvalidArgument(
            "the demo provider takes only its test cards (see the README)", code="unknown_test_card"
        )
    return card


def webhook_payload(event_type: str, payment_id: str, amount_cents: int, currency: str) -> bytes:
    """A provider event as JSON, with a fresh id."""
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": event_type,
        "created": int(time.time()),
        "data": {"payment_id": payment_id, "amount": amount_cents, "currency": currency},
    }
    return json.dumps(event, separators=(",", ":")).encode()


def parse_event(payload: bytes) -> ProviderEvent:
    """The event a (verified) webhook body carries; 422 `invalid_webhook` when malformed."""
    try:
        event = json.loads(payload)
        data = event["data"]
        return ProviderEvent(
            event_id=str(event["id"]),
            outcome=OUTCOME_OF_EVENT.get(event["type"], Outcome.OTHER),
            provider_ref=str(data["payment_id"]),
            amount_cents=int(data["amount"]),
            currency=str(data["currency"]),
        )
    except (ValueError, TypeError, KeyError) as error:
        raise InvalidArgument("the webhook body is not an event", code="invalid_webhook") from error


class DemoProvider:
    """The PaymentProvider adapter for the demo card processor."""

    name = PROVIDER_NAME

    def __init__(
        self,
        database: AsyncEngine,
        *,
        secret: str,
        public_base_url: str,
        tolerance_seconds: int,
    ) -> None:
        self.database = database
        self.secret = secret
        self.public_base_url = public_base_url.rstrip("/")
        self.tolerance_seconds = tolerance_seconds

    async def create_intent(self, request: IntentRequest) -> Intent:
        ref = str(request.payment_id)
        async with self.database.begin() as db:
            await db.execute(
                pg_insert(demo_payments)
                .values(
                    id=ref,
                    amount_cents=request.amount_cents,
                    currency=request.currency,
                    description=request.description,
                    return_url=f"{self.public_base_url}/#/bookings?paid={request.booking_id}",
                )
                .on_conflict_do_nothing()
            )
        return Intent(provider_ref=ref, checkout_url=f"{self.public_base_url}/pay/{ref}")

    def verify(self, payload: bytes, headers: Mapping[str, str], now: float) -> ProviderEvent:
        header = headers.get(SIGNATURE_HEADER, "")
        verify(payload, header, self.secret, now=now, tolerance=self.tolerance_seconds)
        return parse_event(payload)

    async def refund(self, provider_ref: str, amount_cents: int) -> None:
        async with self.database.begin() as db:
            await db.execute(
                update(demo_payments).where(P.id == provider_ref).values(status="refunded")
            )


@dataclass(frozen=True)
class Checkout:
    """The hosted checkout page's view of a payment."""

    payment_id: str
    amount_cents: int
    currency: str
    description: str
    status: CheckoutStatus
    return_url: str


class DemoCheckout:
    """The customer's side of the demo processor: show a payment, take a card, confirm.

    Each outcome is recorded with its webhook in one transaction; `wake` tells the sender."""

    def __init__(self, database: AsyncEngine, wake: Callable[[], None]):
        self.database = database
        self.wake = wake

    async def get(self, payment_id: str) -> Checkout:
        async with reading(self.database) as db:
            return await self._load(db, payment_id, lock=False)

    async def submit_card(self, payment_id: str, card_number: str) -> Checkout:
        card = card_of(card_number)
        async with self.database.begin() as db:
            checkout = await self._load(db, payment_id, lock=True)
            if checkout.status not in PAYABLE:
                raise Conflict(f"this payment is {checkout.status}", code="checkout_closed")
            status = STATUS_AFTER_CARD[card]
            checkout = await self._set(db, checkout, status)
        self.wake()
        return checkout

    async def confirm_challenge(self, payment_id: str) -> Checkout:
        async with self.database.begin() as db:
            checkout = await self._load(db, payment_id, lock=True)
            if checkout.status != "requires_action":
                raise Conflict("this payment awaits no confirmation", code="no_challenge")
            checkout = await self._set(db, checkout, "succeeded")
        self.wake()
        return checkout

    async def _set(
        self, db: AsyncConnection, checkout: Checkout, status: CheckoutStatus
    ) -> Checkout:
        """Records the new status and queues the webhook it calls for."""
        await db.execute(
            update(demo_payments).where(P.id == checkout.payment_id).values(status=status)
        )
        event_type = {"succeeded": SUCCEEDED_EVENT, "declined": FAILED_EVENT}.get(status)
        if event_type is not None:
            payload = webhook_payload(
                event_type, checkout.payment_id, checkout.amount_cents, checkout.currency
            )
            event_id = json.loads(payload)["id"]
            await db.execute(demo_webhooks.insert().values(event_id=event_id, payload=payload))
        return replace(checkout, status=status)

    async def _load(self, db: AsyncConnection, payment_id: str, *, lock: bool) -> Checkout:
        query = select(P.id, P.amount_cents, P.currency, P.description, P.status, P.return_url)
        query = query.where(P.id == payment_id)
        row = (await db.execute(query.with_for_update() if lock else query)).one_or_none()
        if row is None:
            raise NotFound("no such payment at the demo provider", code="payment_not_found")
        return Checkout(*row)
