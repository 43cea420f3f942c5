"""PaymentService and DemoCheckoutService over gRPC."""

from __future__ import annotations

from booking_svc.grpc_api import Context
from booking_svc.payments.demo import Checkout, DemoCheckout
from booking_svc.payments.service import PaymentService
from booking_svc.payments.store import PaymentRecord
from cinemapb.booking.v1 import payments_pb2, payments_pb2_grpc
from svckit.identity import current_caller
from svckit.vocabulary import CHECKOUT_STATUS, INTENT_STATUS


def intent_pb(record: PaymentRecord, created: bool) -> payments_pb2.PaymentIntent:
    return payments_pb2.PaymentIntent(
        payment_id=str(record.id),
        booking_id=str(record.booking_id),
        checkout_url=record.checkout_url,
        status=INTENT_STATUS.number(record.status),
        amount_cents=record.amount_cents,
        currency=record.currency,
        created=created,
    )


def checkout_pb(checkout: Checkout) -> payments_pb2.Checkout:
    return payments_pb2.Checkout(
        payment_id=checkout.payment_id,
        amount_cents=checkout.amount_cents,
        currency=checkout.currency,
        description=checkout.description,
        status=CHECKOUT_STATUS.number(checkout.status),
        return_url=checkout.return_url,
    )


class PaymentServicer(payments_pb2_grpc.PaymentServiceServicer):
    def __init__(self, payments: PaymentService) -> None:
        self.payments = payments

    async def PayBooking(
        self, request: payments_pb2.PayBookingRequest, context: Context
    ) -> payments_pb2.PaymentIntent:
        return intent_pb(*await self.payments.pay(current_caller(), request.booking_id))

    async def ReceiveWebhook(
        self, request: payments_pb2.ReceiveWebhookRequest, context: Context
    ) -> payments_pb2.ReceiveWebhookResponse:
        event_id = await self.payments.receive_webhook(request.payload, dict(request.headers))
        return payments_pb2.ReceiveWebhookResponse(event_id=event_id)


class DemoCheckoutServicer(payments_pb2_grpc.DemoCheckoutServiceServicer):
    def __init__(self, checkout: DemoCheckout) -> None:
        self.checkout = checkout

    async def GetCheckout(
        self, request: payments_pb2.GetCheckoutRequest, context: Context
    ) -> payments_pb2.Checkout:
        return checkout_pb(await self.checkout.get(request.payment_id))

    async def SubmitCard(
        self, request: payments_pb2.SubmitCardRequest, context: Context
    ) -> payments_pb2.Checkout:
        return checkout_pb(await self.checkout.submit_card(request.payment_id, request.card_number))

    async def ConfirmChallenge(
        self, request: payments_pb2.ConfirmChallengeRequest, context: Context
    ) -> payments_pb2.Checkout:
        return checkout_pb(await self.checkout.confirm_challenge(request.payment_id))
