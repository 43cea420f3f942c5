"""Gateway settings."""

from pydantic import Field

from svckit.settings import (
    BookingRules,
    BookingSvcPeer,
    CinemaSvcPeer,
    JwtSettings,
    KafkaSettings,
    MovieSvcPeer,
    ProcessSettings,
    RedisSettings,
    UserSvcPeer,
)


class GatewaySettings(
    ProcessSettings,
    UserSvcPeer,
    MovieSvcPeer,
    CinemaSvcPeer,
    BookingSvcPeer,
    KafkaSettings,
    RedisSettings,
    JwtSettings,
    BookingRules,
):
    """The REST gateway: calls every service, follows the booking topics, caches in Redis."""

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    health_timeout_seconds: float = 1.0
    auth_rate_limit_per_minute: int = Field(default=30, ge=1)
    """Register or login requests one client IP may make per minute, per route."""
