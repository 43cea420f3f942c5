"""Settings shared by every process, read from the environment (see CONTRACT.md)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_POSTGRES = "postgresql://cinema@127.0.0.1:55432"
LOCAL_KAFKA = "127.0.0.1:59092"
LOCAL_REDIS = "redis://127.0.0.1:56379/0"


class CommonSettings(BaseSettings):
    """What every service and the gateway need to find each other."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    log_level: str = "INFO"
    kafka_bootstrap_servers: str = LOCAL_KAFKA
    kafka_topic_prefix: str = ""
    """Prepended to every topic and consumer group; lets test runs share a broker in isolation."""
    redis_url: str = LOCAL_REDIS
    user_svc_addr: str = "127.0.0.1:50051"
    movie_svc_addr: str = "127.0.0.1:50052"
    cinema_svc_addr: str = "127.0.0.1:50053"
    booking_svc_addr: str = "127.0.0.1:50054"
    # Where each gRPC service serves Prometheus metrics over HTTP, on its *_SVC_ADDR host; 0: off.
    user_svc_metrics_port: int = Field(default=9101, ge=0, le=65535)
    movie_svc_metrics_port: int = Field(default=9102, ge=0, le=65535)
    cinema_svc_metrics_port: int = Field(default=9103, ge=0, le=65535)
    booking_svc_metrics_port: int = Field(default=9104, ge=0, le=65535)
    jwt_secret: str = Field(default="dev-only-change-me-0123456789abcdef", min_length=32)
    jwt_algorithm: str = "HS256"
    jwt_ttl_seconds: int = 900
    booking_hold_seconds: int = Field(default=900, gt=0)
    booking_max_seats: int = Field(default=4, gt=0)

    def topic(self, name: str) -> str:
        """The real topic name for a contract topic name such as booking.created."""
        return self.kafka_topic_prefix + name

    def consumer_group(self, name: str) -> str:
        return self.kafka_topic_prefix + name

    def metrics_port(self, service: str) -> int:
        """The metrics port of a gRPC service by its name, such as booking_svc."""
        port = getattr(self, f"{service}_metrics_port")
        assert isinstance(port, int)
        return port


def local_database_url(database: str) -> str:
    """The DSN of one database on the project's own local PostgreSQL cluster."""
    return f"{LOCAL_POSTGRES}/{database}"
