"""cinema_svc settings."""

from svckit.settings import (
    BookingSvcPeer,
    CinemaSvcServing,
    KafkaSettings,
    MovieSvcPeer,
    local_database_url,
)


class Settings(CinemaSvcServing, MovieSvcPeer, BookingSvcPeer, KafkaSettings):
    """Halls and sessions: asks movie_svc about films and booking_svc about booked seats,
    announces session changes on Kafka."""

    cinema_database_url: str = local_database_url("cinema")
