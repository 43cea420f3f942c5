"""Payments against the real PostgreSQL: the demo provider's checkout queues signed webhooks,
its sender delivers them to PaymentService (over an in-process HTTP transport), and only a
verified success confirms a hold; a late one is refunded. Checked in SQL."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.events import BookingEvents
from booking_svc.payments.demo import DemoCheckout, DemoProvider, webhook_payload
from booking_svc.payments.demo_webhooks import WebhookSender
from booking_svc.payments.events import PaymentEvents
from booking_svc.payments.service import PaymentService
from booking_svc.payments.signature import SIGNATURE_HEADER, sign
from booking_svc.service import BookingService
from cinemapb.events.v1 import events_pb2
from svckit.errors import Conflict, ServiceError, Unauthenticated
from svckit.identity import Caller
from tests.booking_svc.conftest import PREFIX, SIGNER, ServiceFactory

ALICE = Caller(1, "user")
BOB = Caller(2, "user")
SECRET = "whsec-integration-0123456789abcdef0123"
WEBHOOK_URL = "http://cinema.test/api/payments/webhook"
RETRY_BASE = timedelta(seconds=1)
"""The sender's first retry comes this long after a failure: long enough that a busy machine
checks "not due yet" before it is due (200 ms was not, with three test workers)."""


class Receiver:
    """The gateway's webhook route in miniature: the raw body and headers to PaymentService,
    a service error to its HTTP status. `fail_next` answers 500 that many times first."""

    def __init__(self, payments: PaymentService) -> None:
        self.payments = payments
        self.fail_next = 0
        self.answers: list[int] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        status = await self._status(request)
        self.answers.append(status)
        return httpx.Response(status)

    async def _status(self, request: httpx.Request) -> int:
        if self.fail_next:
            self.fail_next -= 1
            return 500
        try:
            await self.payments.receive_webhook(request.content, dict(request.headers))
        except Unauthenticated:
            return 401
        except Conflict:
            return 409
        except ServiceError:
            return 422
        return 200


class Payments:
    """The pieces of one test: bookings, the payment use cases, the demo provider's side."""

    def __init__(self, engine: AsyncEngine, bookings: BookingService) -> None:
        self.engine = engine
        self.bookings = bookings
        self.provider = DemoProvider(
            engine, secret=SECRET, public_base_url="http://cinema.test", tolerance_seconds=300
        )
        self.service = PaymentService(
            engine,
            self.provider,
            BookingEvents(lambda name: PREFIX + name, SIGNER),
            PaymentEvents(lambda name: PREFIX + name, SIGNER),
            currency="EUR",
        )
        self.receiver = Receiver(self.service)
        self.sender = self.new_sender()
        self.checkout = DemoCheckout(engine, self.sender.wake)

    def new_sender(self) -> WebhookSender:
        """A sender as a (re)started booking_svc builds it."""
        client = httpx.AsyncClient(transport=httpx.MockTransport(self.receiver))
        return WebhookSender(
            self.engine,
            url=WEBHOOK_URL,
            secret=SECRET,
            retry_base=RETRY_BASE,
            client=client,
        )

    async def hold_and_pay(self, caller: Caller = ALICE, seats: list[int] | None = None) -> str:
        held = await self.bookings.hold(caller, 1, seats or [101, 102])
        payment, created = await self.service.pay(caller, str(held.id))
        assert created
        return str(payment.id)

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.begin() as conn:
            return list((await conn.execute(text(sql), params)).all())

    async def booking_of(self, payment_id: str) -> tuple[str, str]:
        (row,) = await self.rows(
            "SELECT b.status, b.payment_status FROM bookings b JOIN payments p"
            " ON p.booking_id = b.id WHERE p.id = :id",
            id=payment_id,
        )
        return row.status, row.payment_status

    async def payment_status(self, payment_id: str) -> str:
        return str(await self.scalar("SELECT status FROM payments WHERE id = :id", id=payment_id))

    async def topics(self) -> list[str]:
        rows = await self.rows("SELECT topic FROM outbox ORDER BY id")
        return [row.topic.removeprefix(PREFIX) for row in rows]


@pytest.fixture
def payments(engine: AsyncEngine, make_service: ServiceFactory) -> Payments:
    return Payments(engine, make_service())


def signed(payload: bytes, *, at: float | None = None, secret: str = SECRET) -> Mapping[str, str]:
    return {SIGNATURE_HEADER: sign(payload, secret, int(at if at is not None else time.time()))}


# -- paying -----------------------------------------------------------------------------------


async def test_pay_opens_one_payment_per_booking_and_returns_it_while_open(
    payments: Payments,
) -> None:
    held = await payments.bookings.hold(ALICE, 1, [101, 105])
    first, created = await payments.service.pay(ALICE, str(held.id))
    again, created_again = await payments.service.pay(ALICE, str(held.id))
    assert (created, created_again) == (True, False)
    assert again == first
    assert (first.status, first.amount_cents, first.currency) == ("requires_payment", 2000, "EUR")
    assert first.checkout_url == f"http://cinema.test/pay/{first.id}"
    assert await payments.scalar("SELECT count(*) FROM payments") == 1
    assert await payments.scalar("SELECT count(*) FROM demo_provider_payments") == 1


async def test_concurrent_pay_calls_open_one_payment(payments: Payments) -> None:
    held = await payments.bookings.hold(ALICE, 1, [101])
    answers = await asyncio.gather(*(payments.service.pay(ALICE, str(held.id)) for _ in range(8)))
    assert len({payment.id for payment, _ in answers}) == 1
    assert sum(created for _, created in answers) == 1
    assert await payments.scalar("SELECT count(*) FROM payments") == 1


async def test_only_the_owner_may_pay_and_only_a_live_hold(payments: Payments) -> None:
    held = await payments.bookings.hold(ALICE, 1, [101])
    with pytest.raises(ServiceError, check=lambda e: e.code == "booking_not_found"):
        await payments.service.pay(BOB, str(held.id))
    await payments.bookings.cancel(ALICE, str(held.id))
    with pytest.raises(Conflict, check=lambda e: e.code == "booking_not_pending"):
        await payments.service.pay(ALICE, str(held.id))
    assert await payments.scalar("SELECT count(*) FROM payments") == 0


async def test_with_a_provider_confirm_is_refused_as_payment_required(
    engine: AsyncEngine, make_service: ServiceFactory
) -> None:
    bookings = make_service()
    bookings.payment_required = True
    held = await bookings.hold(ALICE, 1, [101])
    with pytest.raises(Conflict, check=lambda e: e.code == "payment_required"):
        await bookings.confirm(ALICE, str(held.id))


# -- the test cards ---------------------------------------------------------------------------


async def test_4242_succeeds_and_its_webhook_confirms_the_booking(payments: Payments) -> None:
    payment_id = await payments.hold_and_pay()
    checkout = await payments.checkout.submit_card(payment_id, "4242 4242 4242 4242")
    assert checkout.status == "succeeded"
    assert await payments.sender.send_due() == 1
    assert payments.receiver.answers == [200]
    assert await payments.booking_of(payment_id) == ("confirmed", "paid")
    assert await payments.payment_status(payment_id) == "succeeded"
    assert await payments.topics() == ["booking.created", "booking.confirmed", "payment.succeeded"]
    (row,) = await payments.rows(
        "SELECT key, payload FROM outbox WHERE topic = :t", t=PREFIX + "payment.succeeded"
    )
    event = events_pb2.PaymentEvent.FromString(row.payload)
    assert (row.key, event.payment_id, event.amount_cents, event.currency) == (
        "1",
        payment_id,
        2000,
        "EUR",
    )
    assert event.provider == "demo"
    with pytest.raises(Conflict, check=lambda e: e.code == "checkout_closed"):
        await payments.checkout.submit_card(payment_id, "4242424242424242")


async def test_0002_is_declined_and_leaves_the_hold_pending_for_another_card(
    payments: Payments,
) -> None:
    payment_id = await payments.hold_and_pay()
    declined = await payments.checkout.submit_card(payment_id, "4000 0000 0000 0002")
    assert declined.status == "declined"
    assert await payments.sender.send_due() == 1
    assert payments.receiver.answers == [200]
    assert await payments.booking_of(payment_id) == ("pending", "pending")
    assert await payments.payment_status(payment_id) == "requires_payment"
    await payments.checkout.submit_card(payment_id, "4242 4242 4242 4242")
    await payments.sender.send_due()
    assert await payments.booking_of(payment_id) == ("confirmed", "paid")


async def test_3220_succeeds_only_after_the_confirmation(payments: Payments) -> None:
    payment_id = await payments.hold_and_pay()
    challenged = await payments.checkout.submit_card(payment_id, "4000 0000 0000 3220")
    assert challenged.status == "requires_action"
    assert await payments.sender.send_due() == 0
    assert await payments.booking_of(payment_id) == ("pending", "pending")
    confirmed = await payments.checkout.confirm_challenge(payment_id)
    assert confirmed.status == "succeeded"
    await payments.sender.send_due()
    assert await payments.booking_of(payment_id) == ("confirmed", "paid")
    with pytest.raises(Conflict, check=lambda e: e.code == "no_challenge"):
        await payments.checkout.confirm_challenge(payment_id)


# -- refused webhooks change nothing ----------------------------------------------------------


async def _state(payments: Payments) -> list[Any]:
    return [
        await payments.rows("SELECT id, status, payment_status, updated_at FROM bookings"),
        await payments.rows("SELECT id, status, updated_at FROM payments"),
        await payments.scalar("SELECT count(*) FROM payment_webhook_events"),
        await payments.scalar("SELECT count(*) FROM outbox"),
    ]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        (lambda p: signed(p, secret=SECRET + "-wrong"), "invalid_signature"),
        (lambda p: signed(p + b" "), "invalid_signature"),
        (lambda p: {}, "invalid_signature"),
        (lambda p: signed(p, at=time.time() - 301), "stale_webhook"),
    ],
    ids=["wrong secret", "body changed", "unsigned", "old timestamp"],
)
async def test_a_badly_signed_or_old_webhook_is_refused_and_changes_nothing(
    payments: Payments, headers: Any, code: str
) -> None:
    payment_id = await payments.hold_and_pay()
    payload = webhook_payload("payment_intent.succeeded", payment_id, 2000, "EUR")
    before = await _state(payments)
    with pytest.raises(Unauthenticated, check=lambda e: e.code == code):
        await payments.service.receive_webhook(payload, headers(payload))
    assert await _state(payments) == before


async def test_a_replayed_event_is_409_and_changes_nothing(payments: Payments) -> None:
    payment_id = await payments.hold_and_pay()
    payload = webhook_payload("payment_intent.succeeded", payment_id, 2000, "EUR")
    await payments.service.receive_webhook(payload, signed(payload))
    before = await _state(payments)
    with pytest.raises(Conflict, check=lambda e: e.code == "webhook_replayed"):
        await payments.service.receive_webhook(payload, signed(payload))
    assert await _state(payments) == before


async def test_a_success_for_another_amount_is_refused(payments: Payments) -> None:
    payment_id = await payments.hold_and_pay()
    payload = webhook_payload("payment_intent.succeeded", payment_id, 1, "EUR")
    with pytest.raises(ServiceError, check=lambda e: e.code == "invalid_webhook"):
        await payments.service.receive_webhook(payload, signed(payload))
    assert await payments.booking_of(payment_id) == ("pending", "pending")
    assert await payments.scalar("SELECT count(*) FROM payment_webhook_events") == 0


# -- late payments ----------------------------------------------------------------------------


async def _late_success(payments: Payments, payment_id: str) -> None:
    amount = await payments.scalar(
        "SELECT amount_cents FROM payments WHERE id = :id", id=payment_id
    )
    payload = webhook_payload("payment_intent.succeeded", payment_id, amount, "EUR")
    await payments.service.receive_webhook(payload, signed(payload))


async def test_a_success_after_the_deadline_refunds_and_the_seats_stay_free(
    payments: Payments,
) -> None:
    payment_id = await payments.hold_and_pay()
    await payments.rows("UPDATE bookings SET expires_at = now() - interval '1 second' RETURNING id")
    await _late_success(payments, payment_id)
    assert await payments.booking_of(payment_id) == ("expired", "refunded")
    assert await payments.payment_status(payment_id) == "refunded"
    assert await payments.scalar("SELECT count(*) FROM booking_seats WHERE active") == 0
    assert await payments.scalar("SELECT coalesce(sum(seats), 0) FROM held_seat_counts") == 0
    demo = await payments.scalar("SELECT status FROM demo_provider_payments")
    assert demo == "refunded"
    assert await payments.topics() == ["booking.created", "booking.cancelled", "payment.refunded"]
    (payload,) = [
        row.payload
        for row in await payments.rows("SELECT topic, payload FROM outbox")
        if row.topic.endswith("payment.refunded")
    ]
    event = events_pb2.PaymentEvent.FromString(payload)
    assert event.reason == events_pb2.REFUND_REASON_LATE_PAYMENT
    assert event.booking.user_id == ALICE.user_id
    # the seats can be held again by someone else
    await payments.bookings.hold(BOB, 1, [101, 102])


async def test_a_success_after_a_cancellation_refunds(payments: Payments) -> None:
    payment_id = await payments.hold_and_pay()
    (booking_id,) = await payments.rows("SELECT booking_id FROM payments")
    await payments.bookings.cancel(ALICE, str(booking_id[0]))
    await _late_success(payments, payment_id)
    assert await payments.booking_of(payment_id) == ("cancelled", "refunded")
    assert (await payments.topics())[-1] == "payment.refunded"


# -- concurrency ------------------------------------------------------------------------------


async def test_concurrent_copies_of_one_event_confirm_once(payments: Payments) -> None:
    payment_id = await payments.hold_and_pay()
    payload = webhook_payload("payment_intent.succeeded", payment_id, 2000, "EUR")
    outcomes = await asyncio.gather(
        *(payments.service.receive_webhook(payload, signed(payload)) for _ in range(10)),
        return_exceptions=True,
    )
    assert sum(isinstance(o, str) for o in outcomes) == 1
    assert all(isinstance(o, Conflict) for o in outcomes if not isinstance(o, str))
    assert (await payments.topics()).count("booking.confirmed") == 1


async def test_concurrent_success_events_with_different_ids_confirm_once(
    payments: Payments,
) -> None:
    payment_id = await payments.hold_and_pay()
    payloads = [
        webhook_payload("payment_intent.succeeded", payment_id, 2000, "EUR") for _ in range(10)
    ]
    await asyncio.gather(*(payments.service.receive_webhook(p, signed(p)) for p in payloads))
    assert await payments.scalar("SELECT count(*) FROM payment_webhook_events") == 10
    topics = await payments.topics()
    assert (topics.count("booking.confirmed"), topics.count("payment.succeeded")) == (1, 1)
    assert await payments.booking_of(payment_id) == ("confirmed", "paid")


async def test_a_success_racing_the_expirer_either_confirms_or_refunds_never_both(
    payments: Payments,
) -> None:
    for seat in (101, 102, 103, 104, 105):
        payment_id = await payments.hold_and_pay(seats=[seat])
        await payments.rows(
            "UPDATE bookings SET expires_at = now() + interval '30 milliseconds'"
            " WHERE status = 'pending' RETURNING id"
        )
        await asyncio.sleep(0.03)
        await asyncio.gather(_late_success(payments, payment_id), payments.bookings.expire_due())
        status, paid = await payments.booking_of(payment_id)
        assert (status, paid) in {("confirmed", "paid"), ("expired", "refunded")}
        assert await payments.payment_status(payment_id) == (
            "succeeded" if status == "confirmed" else "refunded"
        )
        active = await payments.scalar(
            "SELECT count(*) FROM booking_seats s JOIN payments p ON p.booking_id = s.booking_id"
            " WHERE p.id = :id AND s.active",
            id=payment_id,
        )
        assert active == (1 if status == "confirmed" else 0)


# -- the provider's sender ----------------------------------------------------------------------


async def test_an_unacknowledged_webhook_is_sent_again_later_even_after_a_restart(
    payments: Payments,
) -> None:
    payment_id = await payments.hold_and_pay()
    payments.receiver.fail_next = 2
    await payments.checkout.submit_card(payment_id, "4242424242424242")
    assert await payments.sender.send_due() == 1
    (row,) = await payments.rows(
        "SELECT attempts, delivered_at, last_error, next_attempt_at > now() AS later"
        " FROM demo_provider_webhooks"
    )
    assert (row.attempts, row.delivered_at, row.last_error, row.later) == (
        1,
        None,
        "HTTP 500",
        True,
    )
    assert await payments.sender.send_due() == 0  # not due for RETRY_BASE
    restarted = payments.new_sender()
    run = asyncio.create_task(restarted.run())
    try:
        for _ in range(200):
            if await payments.scalar("SELECT delivered_at IS NOT NULL FROM demo_provider_webhooks"):
                break
            await asyncio.sleep(0.05)
    finally:
        run.cancel()
    assert payments.receiver.answers == [500, 500, 200]
    assert await payments.scalar("SELECT attempts FROM demo_provider_webhooks") == 3
    assert await payments.booking_of(payment_id) == ("confirmed", "paid")


async def test_a_409_from_the_receiver_counts_as_acknowledged(payments: Payments) -> None:
    payment_id = await payments.hold_and_pay()
    payload = webhook_payload("payment_intent.succeeded", payment_id, 2000, "EUR")
    event_id = json.loads(payload)["id"]
    await payments.service.receive_webhook(payload, signed(payload))
    async with payments.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO demo_provider_webhooks (event_id, payload) VALUES (:id, :p)"),
            {"id": event_id, "p": payload},
        )
    await payments.sender.send_due()
    assert payments.receiver.answers == [409]
    assert await payments.scalar("SELECT delivered_at IS NOT NULL FROM demo_provider_webhooks")


async def test_event_ids_are_forgotten_only_long_after_the_tolerance(payments: Payments) -> None:
    payment_id = await payments.hold_and_pay()
    payload = webhook_payload("payment_intent.payment_failed", payment_id, 2000, "EUR")
    await payments.service.receive_webhook(payload, signed(payload))
    assert await payments.service.forget_old_events() == 0
    await payments.rows(
        "UPDATE payment_webhook_events SET received_at = now() - interval '2 days' RETURNING 1"
    )
    assert await payments.service.forget_old_events() == 1
    assert await payments.scalar("SELECT count(*) FROM payment_webhook_events") == 0


async def test_webhooks_are_counted_by_what_they_did(payments: Payments) -> None:
    def count(outcome: str) -> float:
        value = REGISTRY.get_sample_value("booking_payment_webhooks_total", {"outcome": outcome})
        return value or 0.0

    before = {name: count(name) for name in ("confirmed", "replayed", "refused")}
    payment_id = await payments.hold_and_pay()
    payload = webhook_payload("payment_intent.succeeded", payment_id, 2000, "EUR")
    await payments.service.receive_webhook(payload, signed(payload))
    with pytest.raises(Conflict):
        await payments.service.receive_webhook(payload, signed(payload))
    with pytest.raises(Unauthenticated):
        await payments.service.receive_webhook(payload, {})
    after = {name: count(name) for name in before}
    assert {name: after[name] - before[name] for name in before} == {
        "confirmed": 1,
        "replayed": 1,
        "refused": 1,
    }
