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
    booking_no_orphan_seats: bool = True
    """Refuse holds and partial cancellations that leave a single free seat stranded."""
    booking_orphan_rule_until: int = Field(default=30, ge=0)
    """Minutes before the start from which the orphan rule no longer applies (late sales)."""
