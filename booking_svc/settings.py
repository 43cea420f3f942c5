"""booking_svc settings."""

from pydantic import Field

from svckit.settings import (
    BookingRules,
    BookingSvcServing,
    CinemaLocale,
    CinemaSvcPeer,
    KafkaSettings,
    local_database_url,
)


class Settings(BookingSvcServing, CinemaSvcPeer, KafkaSettings, BookingRules, CinemaLocale):
    """Bookings: asks cinema_svc for seating, writes and follows events on Kafka."""

    booking_database_url: str = local_database_url("booking")
    booking_max_seats_per_user: int = Field(default=4, ge=1)
    """Most seats one user may hold at once (in pending bookings) in one session."""
    booking_cancel_cutoff_minutes: int = Field(default=0, ge=0)
    """How long before the start a customer can no longer cancel a paid booking."""
    booking_extend_seconds: int = Field(default=300, gt=0)
    """How much later one extension moves a hold's deadline."""
    booking_max_extensions: int = Field(default=1, ge=0)
    """How many times one hold may be extended."""
    booking_waitlist_hold_seconds: int = Field(default=600, gt=0)
    """How long seats the waiting list holds for someone stay held unpaid."""
