"""booking_svc settings."""

from svckit.settings import (
    BookingRules,
    BookingSvcServing,
    CinemaSvcPeer,
    KafkaSettings,
    local_database_url,
)


class Settings(BookingSvcServing, CinemaSvcPeer, KafkaSettings, BookingRules):
    """Bookings: asks cinema_svc for seating, writes and follows events on Kafka."""

    booking_database_url: str = local_database_url("booking")
