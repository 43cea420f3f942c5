"""Payments in process: pay answers 201 then 200, the webhook is forwarded raw, the demo
checkout exists only with the demo provider."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cinemapb.booking.v1 import payments_pb2
from gateway.settings import GatewaySettings
from svckit.errors import Conflict, Unauthenticated
from tests.gateway.conftest import JWT_SECRET
from tests.gateway.fakes import FakeClients, rpc_error
from tests.gateway.helpers import assert_error

BOOKING_ID = "8d7f2b52-2a6e-4a3e-9a59-3f1f5c1b8b1e"
PAYMENT_ID = "0b8f1c9e-5d0c-4c55-8a3c-1d6a3c0e9f11"


def an_intent(*, created: bool) -> payments_pb2.PaymentIntent:
    return payments_pb2.PaymentIntent(
        payment_id=PAYMENT_ID,
        booking_id=BOOKING_ID,
        checkout_url=f"http://cinema.example/pay/{PAYMENT_ID}",
        status=payments_pb2.INTENT_STATUS_REQUIRES_PAYMENT,
        amount_cents=2550,
        currency="EUR",
        created=created,
    )


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(jwt_secret=JWT_SECRET, payments_provider="demo")


@pytest.mark.parametrize(("created", "status"), [(True, 201), (False, 200)])
async def test_pay_answers_201_for_a_new_payment_and_200_for_the_open_one(
    api: httpx.AsyncClient,
    services: FakeClients,
    user: dict[str, str],
    created: bool,
    status: int,
) -> None:
    services.payments.replies["PayBooking"] = an_intent(created=created)
    response = await api.post(f"/api/bookings/{BOOKING_ID}/pay", headers=user)
    assert response.status_code == status, response.text
    assert response.json() == {
        "payment_id": PAYMENT_ID,
        "booking_id": BOOKING_ID,
        "checkout_url": f"http://cinema.example/pay/{PAYMENT_ID}",
        "status": "requires_payment",
        "amount": 25.5,
        "currency": "EUR",
    }
    call = services.payments.last("PayBooking")
    assert call.request.booking_id == BOOKING_ID
    assert call.metadata["authorization"] == user["Authorization"]


async def test_pay_needs_a_signed_in_caller(api: httpx.AsyncClient) -> None:
    assert_error(await api.post(f"/api/bookings/{BOOKING_ID}/pay"), 401, "unauthenticated")


async def test_the_webhook_is_forwarded_byte_for_byte_with_its_headers_but_no_credentials(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.payments.replies["ReceiveWebhook"] = payments_pb2.ReceiveWebhookResponse(
        event_id="evt_1"
    )
    body = b'{"id": "evt_1",  "type": "payment_intent.succeeded"}'
    headers = {"Webhook-Signature": "t=1,v1=ab", "Authorization": "Bearer x", "Cookie": "a=b"}
    response = await api.post("/api/payments/webhook", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"event_id": "evt_1"}
    forwarded = services.payments.last("ReceiveWebhook").request
    assert forwarded.payload == body
    assert forwarded.headers["webhook-signature"] == "t=1,v1=ab"
    assert "authorization" not in forwarded.headers
    assert "cookie" not in forwarded.headers


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Unauthenticated("bad", code="invalid_signature"), 401),
        (Unauthenticated("old", code="stale_webhook"), 401),
        (Conflict("again", code="webhook_replayed"), 409),
    ],
)
async def test_refused_webhooks_keep_their_status_and_code(
    api: httpx.AsyncClient, services: FakeClients, error: Unauthenticated | Conflict, status: int
) -> None:
    services.payments.replies["ReceiveWebhook"] = rpc_error(error)
    response = await api.post("/api/payments/webhook", content=b"{}")
    assert_error(response, status, error.code)


async def test_the_page_learns_the_provider_and_currency(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/payments/config")
    assert response.json() == {"provider": "demo", "currency": "EUR"}


async def test_the_checkout_page_and_its_api_are_served_with_the_demo_provider(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    page = await api.get(f"/pay/{PAYMENT_ID}")
    assert page.status_code == 200
    assert "/static/js/pay.js" in page.text
    services.demo_checkout.replies["SubmitCard"] = payments_pb2.Checkout(
        payment_id=PAYMENT_ID,
        amount_cents=1000,
        currency="EUR",
        status=payments_pb2.CHECKOUT_STATUS_REQUIRES_ACTION,
    )
    card = {"number": "4000 0000 0000 3220"}
    response = await api.post(f"/api/demo-provider/payments/{PAYMENT_ID}/card", json=card)
    assert response.json()["status"] == "requires_action"
    assert services.demo_checkout.last("SubmitCard").request.card_number == card["number"]


async def test_without_the_demo_provider_there_is_no_checkout(app: FastAPI) -> None:
    app.state.settings = GatewaySettings(jwt_secret=JWT_SECRET)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        assert_error(await client.get(f"/pay/{PAYMENT_ID}"), 404, "payment_not_found")
        response = await client.get(f"/api/demo-provider/payments/{PAYMENT_ID}")
        assert_error(response, 404, "payment_not_found")
        config = await client.get("/api/payments/config")
        assert config.json()["provider"] == "none"
