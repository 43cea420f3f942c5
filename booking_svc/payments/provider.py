"""The PaymentProvider port: what booking_svc needs from a card processor, in its own terms.

An adapter opens an intent for a pending booking (and says where the customer pays it),
verifies and decodes the provider's webhooks, and refunds. The demo adapter is in demo.py; a
Stripe adapter would be one more module implementing the same three methods.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Outcome(StrEnum):
    """What a provider event says about a payment."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    OTHER = "other"


@dataclass(frozen=True)
class IntentRequest:
    """What the provider is asked to collect, for which booking."""

    payment_id: uuid.UUID
    booking_id: uuid.UUID
    amount_cents: int
    currency: str
    description: str


@dataclass(frozen=True)
class Intent:
    """The provider's handle of a payment and the page where the customer pays it."""

    provider_ref: str
    checkout_url: str


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook: its id (unique at the provider), outcome and payment."""

    event_id: str
    outcome: Outcome
    provider_ref: str
    amount_cents: int
    currency: str


class PaymentProvider(Protocol):
    name: str

    async def create_intent(self, request: IntentRequest) -> Intent:
        """Opens a payment at the provider; idempotent per `request.payment_id`."""
        ...

    def verify(self, payload: bytes, headers: Mapping[str, str], now: float) -> ProviderEvent:
        """The event a webhook carries, or svckit.errors.Unauthenticated (`invalid_signature`,
        `stale_webhook`) or InvalidArgument (`invalid_webhook`)."""
        ...

    async def refund(self, provider_ref: str, amount_cents: int) -> None:
        """Gives the whole amount back; idempotent per payment."""
        ...
