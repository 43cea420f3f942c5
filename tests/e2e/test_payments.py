"""Payments end to end through the demo provider: its checkout API, its signed webhooks over
HTTP to the gateway, booking_svc, PostgreSQL (checked in SQL) and Kafka; a late payment's
refund email through a real SMTP server."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import httpx
import psycopg
import pytest

from booking_svc.payments.demo import webhook_payload
from booking_svc.payments.signature import sign
from cinemapb.booking.v1 import payments_pb2, payments_pb2_grpc
from cinemapb.events.v1 import events_pb2
from svckit.kafka import headers_dict, make_consumer
from tests.conftest import PAYMENTS_WEBHOOK_SECRET, RunningStack, demo_payment_settings
from tests.e2e.test_bookings import Headers, Show, held, make_show, seat_statuses
from tests.e2e.test_halls import assert_error
from tests.e2e.test_notifications import Notifying, guest
from tests.e2e.test_notifications import notifying as notifying  # the module's SMTP server
from tests.helpers import admin_token, bearer, poll

SUCCEEDS, DECLINED, CONFIRMS_FIRST = (
    "4242 4242 4242 4242",
    "4000 0000 0000 0002",
    "4000 0000 0000 3220",
)


@pytest.fixture(scope="module")
def stack(demo_payments: RunningStack) -> RunningStack:
    return demo_payments


@pytest.fixture
def client(stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=30.0) as client:
        yield client


@pytest.fixture
def owner(client: httpx.Client, notifying: Notifying) -> Headers:
    return guest(client).headers


@pytest.fixture
def show(client: httpx.Client) -> Show:
    return make_show(client, bearer(admin_token(client)))


def sql(stack: RunningStack, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(stack.env["BOOKING_DATABASE_URL"]) as conn:
        return conn.execute(query, params).fetchall()


def pay(client: httpx.Client, who: Headers, booking_id: str) -> dict[str, Any]:
    response = client.post(f"/api/bookings/{booking_id}/pay", headers=who)
    assert response.status_code == 201, response.text
    return dict(response.json())


def card(client: httpx.Client, payment_id: str, number: str) -> dict[str, Any]:
    response = client.post(
        f"/api/demo-provider/payments/{payment_id}/card", json={"number": number}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def booking_now(client: httpx.Client, who: Headers, booking_id: str) -> dict[str, Any]:
    response = client.get(f"/api/bookings/{booking_id}", headers=who)
    assert response.status_code == 200, response.text
    return dict(response.json())


def settled(client: httpx.Client, who: Headers, booking_id: str) -> dict[str, Any]:
    """The booking once a webhook has moved it on from pending."""
    found = poll(
        lambda: (b := booking_now(client, who, booking_id))["status"] != "pending" and b,
        timeout=20,
    )
    assert found, "no webhook settled the booking"
    return dict(found)


def payment_settled(stack: RunningStack, payment_id: str) -> bool:
    """Whether a webhook has acted on the payment (its status and its booking's change in one
    transaction)."""
    rows = sql(stack, "SELECT status FROM payments WHERE id = %s", payment_id)
    return bool(rows[0][0] != "requires_payment")


def webhooks_delivered(stack: RunningStack) -> bool:
    rows = sql(stack, "SELECT count(*) FROM demo_provider_webhooks WHERE delivered_at IS NULL")
    return bool(rows[0][0] == 0)


def signed_post(
    client: httpx.Client, payload: bytes, *, at: float | None = None, secret: str | None = None
) -> httpx.Response:
    timestamp = int(time.time() if at is None else at)
    header = sign(payload, secret or PAYMENTS_WEBHOOK_SECRET, timestamp)
    return client.post(
        "/api/payments/webhook",
        content=payload,
        headers={"Webhook-Signature": header, "Content-Type": "application/json"},
    )


def snapshot(stack: RunningStack) -> list[Any]:
    return [
        sql(stack, "SELECT id, status, payment_status, updated_at FROM bookings ORDER BY id"),
        sql(stack, "SELECT id, status, updated_at FROM payments ORDER BY id"),
        sql(stack, "SELECT count(*) FROM payment_webhook_events"),
        sql(stack, "SELECT count(*) FROM outbox"),
    ]


# -- the test cards -----------------------------------------------------------------------------


def test_4242_pays_and_the_webhook_confirms_the_booking(
    stack: RunningStack, client: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(client, owner, show.session_id, show.seat_ids[:2])
    payment = pay(client, owner, booking["id"])
    assert payment["status"] == "requires_payment"
    assert (payment["amount"], payment["currency"]) == (booking["total_price"], "EUR")
    assert payment["checkout_url"] == f"{stack.base_url}/pay/{payment['payment_id']}"
    again = client.post(f"/api/bookings/{booking['id']}/pay", headers=owner)
    assert again.status_code == 200, again.text
    assert again.json() == payment
    page = client.get(f"/pay/{payment['payment_id']}")
    assert page.status_code == 200
    assert "Demo Pay" in page.text
    checkout = client.get(f"/api/demo-provider/payments/{payment['payment_id']}").json()
    assert (checkout["status"], checkout["amount"]) == ("open", booking["total_price"])

    assert card(client, payment["payment_id"], SUCCEEDS)["status"] == "succeeded"
    paid = settled(client, owner, booking["id"])
    assert (paid["status"], paid["payment_status"], paid["currency"]) == (
        "confirmed",
        "paid",
        "EUR",
    )
    assert sql(stack, "SELECT status FROM payments WHERE id = %s", payment["payment_id"]) == [
        ("succeeded",)
    ]
    statuses = seat_statuses(client, show.session_id)
    assert [statuses[seat] for seat in show.seat_ids[:2]] == ["booked", "booked"]


def test_confirm_is_refused_while_a_provider_takes_the_payments(
    client: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(client, owner, show.session_id, show.seat_ids[:1])
    response = client.post(f"/api/bookings/{booking['id']}/confirm", headers=owner)
    assert_error(response, 409, "payment_required")
    assert booking_now(client, owner, booking["id"])["status"] == "pending"


def test_0002_is_declined_and_the_hold_stays_pending_until_a_good_card(
    stack: RunningStack, client: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(client, owner, show.session_id, show.seat_ids[:1])
    payment = pay(client, owner, booking["id"])
    assert card(client, payment["payment_id"], DECLINED)["status"] == "declined"
    assert poll(lambda: webhooks_delivered(stack))
    assert booking_now(client, owner, booking["id"])["status"] == "pending"
    assert card(client, payment["payment_id"], SUCCEEDS)["status"] == "succeeded"
    assert settled(client, owner, booking["id"])["status"] == "confirmed"


def test_3220_needs_the_extra_confirmation(
    stack: RunningStack, client: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(client, owner, show.session_id, show.seat_ids[:1])
    payment = pay(client, owner, booking["id"])
    assert card(client, payment["payment_id"], CONFIRMS_FIRST)["status"] == "requires_action"
    assert poll(lambda: webhooks_delivered(stack))
    assert booking_now(client, owner, booking["id"])["status"] == "pending"
    confirmed = client.post(f"/api/demo-provider/payments/{payment['payment_id']}/confirm")
    assert confirmed.json()["status"] == "succeeded", confirmed.text
    assert settled(client, owner, booking["id"])["status"] == "confirmed"


def test_unknown_cards_are_422(client: httpx.Client, owner: Headers, show: Show) -> None:
    booking = held(client, owner, show.session_id, show.seat_ids[:1])
    payment = pay(client, owner, booking["id"])
    path = f"/api/demo-provider/payments/{payment['payment_id']}/card"
    assert_error(
        client.post(path, json={"number": "5555 5555 5555 4444"}), 422, "unknown_test_card"
    )
    assert_error(client.post(path, json={"number": "12"}), 422, "invalid_card_number")


# -- refused webhooks ---------------------------------------------------------------------------


def test_bad_signature_old_timestamp_and_replay_are_refused_and_change_nothing(
    stack: RunningStack, client: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(client, owner, show.session_id, show.seat_ids[:1])
    payment = pay(client, owner, booking["id"])
    amount = round(payment["amount"] * 100)
    payload = webhook_payload("payment_intent.succeeded", payment["payment_id"], amount, "EUR")
    before = snapshot(stack)
    wrong = signed_post(client, payload, secret=PAYMENTS_WEBHOOK_SECRET + "-not")
    assert_error(wrong, 401, "invalid_signature")
    assert_error(client.post("/api/payments/webhook", content=payload), 401, "invalid_signature")
    assert_error(signed_post(client, payload, at=time.time() - 600), 401, "stale_webhook")
    assert snapshot(stack) == before
    assert booking_now(client, owner, booking["id"])["status"] == "pending"

    assert signed_post(client, payload).status_code == 200
    after_first = snapshot(stack)
    assert_error(signed_post(client, payload), 409, "webhook_replayed")
    assert snapshot(stack) == after_first
    assert booking_now(client, owner, booking["id"])["status"] == "confirmed"


def test_concurrent_duplicate_webhooks_confirm_once(
    stack: RunningStack, client: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(client, owner, show.session_id, show.seat_ids[:1])
    payment = pay(client, owner, booking["id"])
    amount = round(payment["amount"] * 100)
    same = webhook_payload("payment_intent.succeeded", payment["payment_id"], amount, "EUR")
    others = [
        webhook_payload("payment_intent.succeeded", payment["payment_id"], amount, "EUR")
        for _ in range(5)
    ]
    with ThreadPoolExecutor(max_workers=15) as pool:
        answers = list(pool.map(lambda p: signed_post(client, p).status_code, [same] * 10 + others))
    assert sorted(answers[:10]) == [200] + [409] * 9
    assert answers[10:] == [200] * 5
    confirmations = sql(
        stack,
        "SELECT count(*) FROM outbox WHERE topic LIKE %s AND key = %s",
        "%booking.confirmed",
        str(show.session_id),
    )
    assert confirmations == [(1,)]
    assert sql(
        stack, "SELECT status, payment_status FROM bookings WHERE id = %s", booking["id"]
    ) == [("confirmed", "paid")]


# -- late payments --------------------------------------------------------------------------------


def test_a_payment_after_the_hold_expired_is_refunded_and_the_seats_stay_free(
    stack: RunningStack, client: httpx.Client, notifying: Notifying, show: Show
) -> None:
    late = guest(client)
    booking = held(client, late.headers, show.session_id, show.seat_ids[:2])
    payment = pay(client, late.headers, booking["id"])
    sql(
        stack,
        "UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = %s RETURNING id",
        booking["id"],
    )
    assert card(client, payment["payment_id"], SUCCEEDS)["status"] == "succeeded"
    # The expirer may end the hold before the webhook comes (payment "void" until then), so
    # wait for the webhook itself, not for the booking to leave "pending".
    assert poll(lambda: payment_settled(stack, payment["payment_id"]), timeout=20)
    refunded = booking_now(client, late.headers, booking["id"])
    assert (refunded["status"], refunded["payment_status"]) == ("expired", "refunded")
    statuses = seat_statuses(client, show.session_id)
    assert [statuses[seat] for seat in show.seat_ids[:2]] == ["free", "free"]
    assert sql(stack, "SELECT status FROM payments WHERE id = %s", payment["payment_id"]) == [
        ("refunded",)
    ]
    assert (
        client.get(f"/api/demo-provider/payments/{payment['payment_id']}").json()["status"]
        == "refunded"
    )

    event, key, headers = payment_event(stack, "payment.refunded", payment["payment_id"])
    assert key == str(show.session_id)
    assert headers["ce_type"] == "payment.refunded"
    assert event.reason == events_pb2.REFUND_REASON_LATE_PAYMENT
    amount = round(booking["total_price"] * 100)
    assert (event.booking.booking_id, event.amount_cents) == (booking["id"], amount)

    _, email = notifying.inbox.wait_for(late.email, "Payment refunded", timeout=30)
    body = email.get_content()
    assert "refunded the full amount" in body
    assert f"{booking['total_price']:.2f}" in body


def test_a_payment_after_a_cancellation_is_refunded(
    client: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(client, owner, show.session_id, show.seat_ids[:1])
    payment = pay(client, owner, booking["id"])
    cancelled = client.post(f"/api/bookings/{booking['id']}/cancel", headers=owner)
    assert cancelled.json()["payment_status"] == "void"
    card(client, payment["payment_id"], SUCCEEDS)
    assert poll(lambda: booking_now(client, owner, booking["id"])["payment_status"] == "refunded")
    assert booking_now(client, owner, booking["id"])["status"] == "cancelled"


def payment_event(
    stack: RunningStack, topic: str, payment_id: str
) -> tuple[events_pb2.PaymentEvent, str, dict[str, str]]:
    consumer = make_consumer(stack.env["KAFKA_BOOTSTRAP_SERVERS"], f"payments-{uuid.uuid4()}")
    consumer.subscribe([stack.topic_prefix + topic])
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            record = consumer.poll(0.5)
            if record is None or record.error() is not None:
                continue
            event = events_pb2.PaymentEvent.FromString(record.value() or b"")
            if event.payment_id == payment_id:
                return event, (record.key() or b"").decode(), headers_dict(record)
    finally:
        consumer.close()
    raise AssertionError(f"no {topic} event for payment {payment_id}")


def test_payment_succeeded_is_published_keyed_by_session(
    stack: RunningStack, client: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(client, owner, show.session_id, show.seat_ids[:1])
    payment = pay(client, owner, booking["id"])
    card(client, payment["payment_id"], SUCCEEDS)
    event, key, headers = payment_event(stack, "payment.succeeded", payment["payment_id"])
    assert key == str(show.session_id)
    assert (headers["ce_type"], headers["ce_source"]) == ("payment.succeeded", "booking_svc")
    assert event.booking.status == 2  # BOOKING_STATUS_CONFIRMED
    assert (event.provider, event.currency) == ("demo", "EUR")


# -- the provider retries --------------------------------------------------------------------


def test_the_provider_retries_a_webhook_nobody_acknowledged(
    stack: RunningStack, client: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(client, owner, show.session_id, show.seat_ids[:1])
    payment = pay(client, owner, booking["id"])
    stack.stack.stop("gateway")
    try:
        with grpc.insecure_channel(stack.env["BOOKING_SVC_ADDR"]) as channel:
            checkout = payments_pb2_grpc.DemoCheckoutServiceStub(channel)
            checkout.SubmitCard(
                payments_pb2.SubmitCardRequest(
                    payment_id=payment["payment_id"], card_number=SUCCEEDS
                )
            )
        failed = poll(
            lambda: sql(
                stack,
                "SELECT attempts, last_error FROM demo_provider_webhooks w"
                " WHERE convert_from(payload, 'UTF8') LIKE %s AND attempts >= 2",
                f"%{payment['payment_id']}%",
            )
        )
        assert failed, "the provider did not try (twice) while the gateway was down"
    finally:
        stack.stack.start("gateway", demo_payment_settings(stack))
        stack.stack.wait_healthy(stack.base_url)
    assert settled(client, owner, booking["id"])["status"] == "confirmed"
    ((attempts, delivered),) = sql(
        stack,
        "SELECT attempts, delivered_at IS NOT NULL FROM demo_provider_webhooks"
        " WHERE convert_from(payload, 'UTF8')::jsonb -> 'data' ->> 'payment_id' = %s",
        payment["payment_id"],
    )
    assert attempts >= 3
    assert delivered
