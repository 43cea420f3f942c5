"""Builds the payments part of booking_svc from its settings: the provider adapter, the use
cases, the gRPC servicers and the background work (the demo provider's webhook sender)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import grpc
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.events import BookingEvents
from booking_svc.payments.demo import DemoCheckout, DemoProvider
from booking_svc.payments.demo_webhooks import WebhookSender
from booking_svc.payments.events import PaymentEvents
from booking_svc.payments.grpc_api import DemoCheckoutServicer, PaymentServicer
from booking_svc.payments.provider import PaymentProvider
from booking_svc.payments.service import PaymentService
from booking_svc.settings import Settings
from cinemapb.booking.v1 import payments_pb2_grpc
from svckit.deadlines import every

PURGE_INTERVAL_SECONDS = 3600.0


@dataclass
class Payments:
    service: PaymentService
    tasks: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def required(self) -> bool:
        """Whether only a provider's webhook may confirm a hold."""
        return self.service.provider is not None

    async def close(self) -> None:
        for close in self.closers:
            await close()


def build_payments(
    settings: Settings,
    database: AsyncEngine,
    booking_events: BookingEvents,
    server: grpc.aio.Server,
) -> Payments:
    provider: PaymentProvider | None = None
    tasks: dict[str, Callable[[], Awaitable[None]]] = {}
    closers: list[Callable[[], Awaitable[None]]] = []
    if settings.payments_provider == "demo":
        assert settings.payments_webhook_secret is not None
        secret = settings.payments_webhook_secret.get_secret_value()
        provider = DemoProvider(
            database,
            secret=secret,
            public_base_url=settings.public_base_url,
            tolerance_seconds=settings.payments_webhook_tolerance_seconds,
        )
        sender = WebhookSender(
            database,
            url=settings.webhook_url,
            secret=secret,
            retry_base=timedelta(seconds=settings.payments_demo_retry_seconds),
        )
        payments_pb2_grpc.add_DemoCheckoutServiceServicer_to_server(
            DemoCheckoutServicer(DemoCheckout(database, sender.wake)), server
        )
        tasks["demo-provider-webhooks"] = sender.run
        closers.append(sender.close)
    service = PaymentService(
        database,
        provider,
        booking_events,
        PaymentEvents(settings.topic, booking_events.signer),
        currency=settings.currency,
    )
    payments_pb2_grpc.add_PaymentServiceServicer_to_server(PaymentServicer(service), server)
    tasks["payment-event-purge"] = lambda: every(PURGE_INTERVAL_SECONDS, service.forget_old_events)
    return Payments(service, tasks, closers)
