"""cinema_svc settings."""

from svckit.settings import CinemaSvcServing, KafkaSettings, MovieSvcPeer, local_database_url


class Settings(CinemaSvcServing, MovieSvcPeer, KafkaSettings):
    """Halls and sessions: asks movie_svc about films, announces session changes on Kafka."""

    cinema_database_url: str = local_database_url("cinema")
