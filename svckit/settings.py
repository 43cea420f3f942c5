"""Settings mixins, read from the environment (the README lists every variable).

Each process builds its own settings class from the mixins of what it uses: `ProcessSettings`
(every process), its own `*Serving` (a gRPC service: where it listens and serves metrics),
one `*Peer` per service it calls, `KafkaSettings`, `RedisSettings`, `JwtSettings`,
`BookingRules`. A field's name is its environment variable, lower-cased; a serving mixin's
generic fields read the service's own `<SVC>_ADDR` and `<SVC>_METRICS_PORT`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_POSTGRES = "postgresql://cinema@127.0.0.1:55432"
LOCAL_KAFKA = "127.0.0.1:59092"
LOCAL_REDIS = "redis://127.0.0.1:56379/0"
USER_SVC_ADDR = "127.0.0.1:50051"
MOVIE_SVC_ADDR = "127.0.0.1:50052"
CINEMA_SVC_ADDR = "127.0.0.1:50053"
BOOKING_SVC_ADDR = "127.0.0.1:50054"

Port = Annotated[int, Field(ge=0, le=65535)]


class SettingsMixin(BaseSettings):
    """The configuration every settings class shares: frozen, unknown variables ignored."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)


class ProcessSettings(SettingsMixin):
    """What every process reads."""

    log_level: str = "INFO"


class GrpcServing(ProcessSettings):
    """A gRPC service: where it listens and where it serves Prometheus metrics (0: nowhere).

    Metrics are served over HTTP on the host of `grpc_addr`.
    """

    grpc_addr: str
    metrics_port: Port


class UserSvcServing(GrpcServing):
    grpc_addr: str = Field(default=USER_SVC_ADDR, validation_alias="user_svc_addr")
    metrics_port: Port = Field(default=9101, validation_alias="user_svc_metrics_port")


class MovieSvcServing(GrpcServing):
    grpc_addr: str = Field(default=MOVIE_SVC_ADDR, validation_alias="movie_svc_addr")
    metrics_port: Port = Field(default=9102, validation_alias="movie_svc_metrics_port")


class CinemaSvcServing(GrpcServing):
    grpc_addr: str = Field(default=CINEMA_SVC_ADDR, validation_alias="cinema_svc_addr")
    metrics_port: Port = Field(default=9103, validation_alias="cinema_svc_metrics_port")


class BookingSvcServing(GrpcServing):
    grpc_addr: str = Field(default=BOOKING_SVC_ADDR, validation_alias="booking_svc_addr")
    metrics_port: Port = Field(default=9104, validation_alias="booking_svc_metrics_port")


class UserSvcPeer(SettingsMixin):
    user_svc_addr: str = USER_SVC_ADDR


class MovieSvcPeer(SettingsMixin):
    movie_svc_addr: str = MOVIE_SVC_ADDR


class CinemaSvcPeer(SettingsMixin):
    cinema_svc_addr: str = CINEMA_SVC_ADDR


class BookingSvcPeer(SettingsMixin):
    booking_svc_addr: str = BOOKING_SVC_ADDR


class KafkaSettings(SettingsMixin):
    """Where Kafka is, and the prefix that gives a test run topics and groups of its own."""

    kafka_bootstrap_servers: str = LOCAL_KAFKA
    kafka_topic_prefix: str = ""
    """Prepended to every topic and consumer group; lets test runs share a broker in isolation."""

    def topic(self, name: str) -> str:
        """The real topic name for a contract topic name such as booking.created."""
        return self.kafka_topic_prefix + name

    def consumer_group(self, name: str) -> str:
        return self.kafka_topic_prefix + name


class RedisSettings(SettingsMixin):
    redis_url: str = LOCAL_REDIS


class JwtSettings(SettingsMixin):
    """How access tokens are signed (user_svc) and verified (the gateway)."""

    jwt_secret: str = Field(default="dev-only-change-me-0123456789abcdef", min_length=32)
    jwt_algorithm: str = "HS256"
    jwt_ttl_seconds: int = 900


class BookingRules(SettingsMixin):
    """How long a hold lasts and how many seats one booking may take."""

    booking_hold_seconds: int = Field(default=900, gt=0)
    booking_max_seats: int = Field(default=4, gt=0)


def local_database_url(database: str) -> str:
    """The DSN of one database on the project's own local PostgreSQL cluster."""
    return f"{LOCAL_POSTGRES}/{database}"
