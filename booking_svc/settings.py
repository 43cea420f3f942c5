"""booking_svc settings."""

from pydantic import Field, SecretStr, field_validator

from booking_svc.payments.settings import PaymentSettings
from booking_svc.ticket_codes import signing_key
from svckit.settings import (
    BookingRules,
    BookingSvcServing,
    CinemaLocale,
    CinemaSvcPeer,
    KafkaSettings,
    local_database_url,
)

MIN_TICKET_SECRET_BYTES = 32


class Settings(
    BookingSvcServing, CinemaSvcPeer, KafkaSettings, BookingRules, CinemaLocale, PaymentSettings
):
    """Bookings: asks cinema_svc for seating, writes and follows events on Kafka."""

    booking_database_url: str = local_database_url("booking")
    booking_max_seats_per_user: int = Field(default=4, ge=1)
    """Most seats one user may hold at once (in pending bookings) in one session."""
    booking_cancel_cutoff_minutes: int = Field(default=0, ge=0)
    """How long before the start a customer can no longer cancel a paid booking."""
    booking_no_orphan_seats: bool = True
    """Refuse holds and partial cancellations that leave a single free seat stranded."""
    booking_orphan_rule_until: int = Field(default=30, ge=0)
    """Minutes before the start from which the orphan rule no longer applies (late sales)."""
    booking_extend_seconds: int = Field(default=300, gt=0)
    """How much later one extension moves a hold's deadline."""
    booking_max_extensions: int = Field(default=1, ge=0)
    """How many times one hold may be extended."""
    booking_waitlist_hold_seconds: int = Field(default=600, gt=0)
    """How long seats the waiting list holds for someone stay held unpaid."""
    ticket_signing_secret: SecretStr = SecretStr("")
    """The key of ticket codes (at least 32 bytes); empty: one derived from JWT_SECRET."""

    @field_validator("ticket_signing_secret")
    @classmethod
    def _empty_or_long_enough(cls, secret: SecretStr) -> SecretStr:
        size = len(secret.get_secret_value().encode())
        if 0 < size < MIN_TICKET_SECRET_BYTES:
            raise ValueError(
                f"TICKET_SIGNING_SECRET must be at least {MIN_TICKET_SECRET_BYTES} bytes"
            )
        return secret

    def ticket_signing_key(self) -> bytes:
        return signing_key(
            self.ticket_signing_secret.get_secret_value(), self.jwt_secret.get_secret_value()
        )
