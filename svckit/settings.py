"""Settings mixins, read from the environment (the README lists every variable).

Each process builds its own settings class from the mixins of what it uses: `ProcessSettings`
(every process), its own `*Serving` (a gRPC service: where it listens and serves metrics),
one `*Peer` per service it calls, `KafkaSettings`, `RedisSettings`, `JwtSettings`,
`BookingRules`, `CinemaLocale`, `PaymentsChoice`. A field's name is its environment variable,
lower-cased; a serving mixin's generic fields read the service's own `<SVC>_ADDR` and
`<SVC>_METRICS_PORT`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Local defaults sit below 32768, out of the range the kernel hands to outgoing connections, and
# apart from the ports the tests (gateways 18000+, stacks 21051+), the bench (23051+) and the
# chaos run (24051+, its private infrastructure at these infrastructure ports + 10000) use.
LOCAL_POSTGRES = "postgresql://cinema@127.0.0.1:15432"
LOCAL_KAFKA = "127.0.0.1:19092"
LOCAL_REDIS = "redis://127.0.0.1:16379/0"
USER_SVC_ADDR = "127.0.0.1:15051"
MOVIE_SVC_ADDR = "127.0.0.1:15052"
CINEMA_SVC_ADDR = "127.0.0.1:15053"
BOOKING_SVC_ADDR = "127.0.0.1:15054"

MIN_JWT_SECRET_BYTES = 32
CONNECTIONS_PER_WORKER = 4
"""Connections per server worker a caller opens: enough that the kernel's spread of them over
the workers (by hash) seldom leaves one idle."""

Port = Annotated[int, Field(ge=0, le=65535)]


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error
    return name


ZoneName = Annotated[str, AfterValidator(_known_zone)]
"""An IANA time zone name this machine knows."""


class SettingsMixin(BaseSettings):
    """The configuration every settings class shares: frozen, unknown variables ignored."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)


class ProcessSettings(SettingsMixin):
    """What every process reads."""

    log_level: str = "INFO"


class JwtSettings(SettingsMixin):
    """How tokens are signed and verified: one secret for user_svc, the gateway and the services.

    JWT_SECRET has no default: a process refuses to start without one, or with one shorter
    than 32 bytes. `make run` generates one on first start and keeps it in its state folder.
    """

    jwt_secret: SecretStr
    jwt_algorithm: str = "HS256"
    jwt_ttl_seconds: int = 900

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, secret: SecretStr) -> SecretStr:
        if len(secret.get_secret_value().encode()) < MIN_JWT_SECRET_BYTES:
            raise ValueError(
                f"JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes of random data"
                " (for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return secret


class GrpcServing(ProcessSettings, JwtSettings):
    """A gRPC service: where it listens, where it serves Prometheus metrics (0: nowhere), and
    the secret it verifies its callers' tokens with.

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


class BookingSvcWorkers(SettingsMixin):
    """How many worker processes booking_svc runs on its one port (svckit/workers.py)."""

    booking_svc_workers: int = Field(default=1, ge=1)

    @property
    def booking_svc_connections(self) -> int:
        """Connections a caller keeps to booking_svc: the kernel gives each connection to one
        worker, so one connection would reach only one of several workers."""
        if self.booking_svc_workers == 1:
            return 1
        return CONNECTIONS_PER_WORKER * self.booking_svc_workers


class BookingSvcServing(GrpcServing, BookingSvcWorkers):
    grpc_addr: str = Field(default=BOOKING_SVC_ADDR, validation_alias="booking_svc_addr")
    metrics_port: Port = Field(default=9104, validation_alias="booking_svc_metrics_port")


class UserSvcPeer(SettingsMixin):
    user_svc_addr: str = USER_SVC_ADDR


class MovieSvcPeer(SettingsMixin):
    movie_svc_addr: str = MOVIE_SVC_ADDR


class CinemaSvcPeer(SettingsMixin):
    cinema_svc_addr: str = CINEMA_SVC_ADDR


class BookingSvcPeer(BookingSvcWorkers):
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


class BookingRules(SettingsMixin):
    """How long a hold lasts and how many seats one booking may take."""

    booking_hold_seconds: int = Field(default=900, gt=0)
    booking_max_seats: int = Field(default=4, gt=0)


class CinemaLocale(SettingsMixin):
    """The cinema's money and clock: what prices are in, and which zone showtimes are shown in."""

    currency: str = Field(default="EUR", pattern="^[A-Z]{3}$")
    """ISO 4217 code of every price; amounts are integer minor units inside, decimals in JSON."""
    cinema_timezone: ZoneName = "UTC"
    """IANA zone the cinema's showtimes are shown and planned in."""


class PaymentsChoice(SettingsMixin):
    """Who takes payments: nobody (`none`: confirming a hold records payment) or a provider."""

    payments_provider: Literal["none", "demo"] = "none"


def local_database_url(database: str) -> str:
    """The DSN of one database on the project's own local PostgreSQL cluster."""
    return f"{LOCAL_POSTGRES}/{database}"
