"""Payments: pay a booking through the provider, the provider's webhook, the page's payment
settings, and the demo provider's hosted checkout (its page at /pay/{id} and its API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from cinemapb.booking.v1 import payments_pb2
from gateway.convert import money
from gateway.deps import AsAnyone, AsUser, Clients, Settings
from gateway.errors import ApiError
from gateway.openapi import error_responses
from gateway.routes.page import page_headers, versioned_page
from gateway.schemas import BookingId, Text
from svckit.vocabulary import CHECKOUT_STATUS, INTENT_STATUS, CheckoutStatus, IntentStatus

router = APIRouter(tags=["payments"])

PaymentId = Annotated[Text, Path(max_length=64, description="the payment's id (a UUID)")]
FORWARDED_HEADERS_DROPPED = frozenset({"authorization", "cookie"})


class PaymentOut(BaseModel):
    payment_id: str
    booking_id: str
    checkout_url: str = Field(description="where the customer pays (the provider's page)")
    status: IntentStatus
    amount: float
    currency: str


class PaymentConfigOut(BaseModel):
    provider: str = Field(description="PAYMENTS_PROVIDER: `none` (confirm pays) or `demo`")
    currency: str


class WebhookAck(BaseModel):
    event_id: str


class CheckoutOut(BaseModel):
    payment_id: str
    amount: float
    currency: str
    description: str
    status: CheckoutStatus
    return_url: str


class CardIn(BaseModel):
    number: str = Field(max_length=40, examples=["4242 4242 4242 4242"])


@router.post(
    "/api/bookings/{booking_id}/pay",
    status_code=201,
    response_model=PaymentOut,
    summary="Open a payment of your pending hold at the payment provider",
    description=(
        "201 with a new payment; while one is open for the booking, every call answers 200 "
        "with that same payment. Send the customer to `checkout_url`; the provider's signed "
        "webhook then confirms the booking (or refunds, if the hold ended first)."
    ),
    responses={
        200: {"model": PaymentOut, "description": "The payment still open for the booking"},
        **error_responses(
            "unauthenticated",
            "booking_not_found",
            "hold_expired",
            "booking_not_pending",
            "session_started",
            "no_payment_provider",
        ),
    },
)
async def pay_booking(
    booking_id: BookingId, metadata: AsUser, clients: Clients, response: Response
) -> PaymentOut:
    request = payments_pb2.PayBookingRequest(booking_id=booking_id)
    intent = await clients.payments.PayBooking(request, metadata=metadata)
    if not intent.created:
        response.status_code = 200
    return PaymentOut(
        payment_id=intent.payment_id,
        booking_id=intent.booking_id,
        checkout_url=intent.checkout_url,
        status=INTENT_STATUS.label(intent.status),
        amount=money(intent.amount_cents),
        currency=intent.currency,
    )


@router.post(
    "/api/payments/webhook",
    response_model=WebhookAck,
    summary="The payment provider's signed event (not for clients)",
    description=(
        "Signed with PAYMENTS_WEBHOOK_SECRET in the `Webhook-Signature` header "
        "(`t=<unix time>,v1=<hex HMAC-SHA256 of t.body>`). A bad signature or a timestamp "
        "outside the tolerance is 401, an event id received before is 409; neither changes "
        "anything."
    ),
    responses=error_responses(
        "invalid_signature",
        "stale_webhook",
        "webhook_replayed",
        "invalid_webhook",
        "no_payment_provider",
    ),
)
async def payment_webhook(request: Request, metadata: AsAnyone, clients: Clients) -> WebhookAck:
    headers = {
        name: value
        for name, value in request.headers.items()
        if name not in FORWARDED_HEADERS_DROPPED
    }
    forwarded = payments_pb2.ReceiveWebhookRequest(payload=await request.body(), headers=headers)
    reply = await clients.payments.ReceiveWebhook(forwarded, metadata=metadata)
    return WebhookAck(event_id=reply.event_id)


@router.get(
    "/api/payments/config",
    response_model=PaymentConfigOut,
    summary="How this cinema takes payments (for the page)",
)
async def payment_config(settings: Settings) -> PaymentConfigOut:
    return PaymentConfigOut(provider=settings.payments_provider, currency=settings.currency)


# -- the demo provider's hosted checkout ---------------------------------------------------


def _require_demo(settings: Settings) -> None:
    if settings.payments_provider != "demo":
        raise ApiError(404, "no such payment at the demo provider", "payment_not_found")


def _checkout_out(checkout: payments_pb2.Checkout) -> CheckoutOut:
    return CheckoutOut(
        payment_id=checkout.payment_id,
        amount=money(checkout.amount_cents),
        currency=checkout.currency,
        description=checkout.description,
        status=CHECKOUT_STATUS.label(checkout.status),
        return_url=checkout.return_url,
    )


@router.get("/pay/{payment_id}", response_class=HTMLResponse, include_in_schema=False)
async def checkout_page(payment_id: PaymentId, settings: Settings) -> HTMLResponse:
    """The demo provider's hosted checkout page (the payment is loaded by its script)."""
    _require_demo(settings)
    page = versioned_page("pay.html")
    return HTMLResponse(page.html, headers=page_headers(page))


@router.get(
    "/api/demo-provider/payments/{payment_id}",
    response_model=CheckoutOut,
    tags=["demo provider"],
    summary="A payment as the demo provider's checkout page shows it",
    responses=error_responses("payment_not_found"),
)
async def get_checkout(
    payment_id: PaymentId, metadata: AsAnyone, clients: Clients, settings: Settings
) -> CheckoutOut:
    _require_demo(settings)
    request = payments_pb2.GetCheckoutRequest(payment_id=payment_id)
    return _checkout_out(await clients.demo_checkout.GetCheckout(request, metadata=metadata))


@router.post(
    "/api/demo-provider/payments/{payment_id}/card",
    response_model=CheckoutOut,
    tags=["demo provider"],
    summary="Pay with a test card: succeeded, declined, or requires_action (confirm next)",
    responses=error_responses(
        "payment_not_found", "invalid_card_number", "unknown_test_card", "checkout_closed"
    ),
)
async def submit_card(
    payment_id: PaymentId, body: CardIn, metadata: AsAnyone, clients: Clients, settings: Settings
) -> CheckoutOut:
    _require_demo(settings)
    request = payments_pb2.SubmitCardRequest(payment_id=payment_id, card_number=body.number)
    return _checkout_out(await clients.demo_checkout.SubmitCard(request, metadata=metadata))


@router.post(
    "/api/demo-provider/payments/{payment_id}/confirm",
    response_model=CheckoutOut,
    tags=["demo provider"],
    summary="The extra confirmation a 3-D Secure test card asks for",
    responses=error_responses("payment_not_found", "no_challenge"),
)
async def confirm_challenge(
    payment_id: PaymentId, metadata: AsAnyone, clients: Clients, settings: Settings
) -> CheckoutOut:
    _require_demo(settings)
    request = payments_pb2.ConfirmChallengeRequest(payment_id=payment_id)
    return _checkout_out(await clients.demo_checkout.ConfirmChallenge(request, metadata=metadata))
