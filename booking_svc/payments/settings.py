"""booking_svc's payment settings: the provider, its webhook secret and where things are."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from booking_svc.payments.signature import DEFAULT_TOLERANCE_SECONDS
from svckit.settings import MIN_JWT_SECRET_BYTES, PaymentsChoice


class PaymentSettings(PaymentsChoice):
    payments_webhook_secret: SecretStr | None = None
    """The HMAC key webhooks are signed with; required (at least 32 bytes) with a provider."""
    payments_webhook_tolerance_seconds: int = Field(default=DEFAULT_TOLERANCE_SECONDS, ge=1)
    """How far a webhook's signed timestamp may be from now."""
    public_base_url: str = "http://127.0.0.1:8000"
    """Where customers reach the gateway: the base of checkout links."""
    payments_webhook_url: str = ""
    """Where the demo provider POSTs its webhooks; empty: PUBLIC_BASE_URL/api/payments/webhook."""
    payments_demo_retry_seconds: float = Field(default=2.0, gt=0)
    """The demo provider's first pause before resending an unacknowledged webhook (doubling)."""

    @model_validator(mode="after")
    def _secret_with_provider(self) -> PaymentSettings:
        if self.payments_provider == "none":
            return self
        secret = self.payments_webhook_secret
        if secret is None or len(secret.get_secret_value().encode()) < MIN_JWT_SECRET_BYTES:
            raise ValueError(
                f"PAYMENTS_WEBHOOK_SECRET of at least {MIN_JWT_SECRET_BYTES} bytes is required "
                f"with PAYMENTS_PROVIDER={self.payments_provider}"
            )
        return self

    @property
    def webhook_url(self) -> str:
        return self.payments_webhook_url or (
            self.public_base_url.rstrip("/") + "/api/payments/webhook"
        )
