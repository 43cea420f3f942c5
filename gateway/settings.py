"""Gateway settings."""

from pydantic import Field

from svckit.settings import (
    BookingRules,
    BookingSvcPeer,
    CinemaLocale,
    CinemaSvcPeer,
    JwtSettings,
    KafkaSettings,
    MovieSvcPeer,
    PaymentsChoice,
    Port,
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
    CinemaLocale,
    PaymentsChoice,
):
    """The REST gateway: calls every service, follows the booking topics, caches in Redis."""

    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    gateway_workers: int = Field(default=1, ge=1)
    """Worker processes serving the gateway's port (SO_REUSEPORT); about one per core."""
    health_timeout_seconds: float = 1.0
    auth_rate_limit_per_minute: int = Field(default=30, ge=1)
    """Register or login requests one client IP may make per minute, per route."""
    gateway_max_body_bytes: int = Field(default=65536, ge=1)
    """The largest request body the gateway reads; a larger one answers 413."""
    gateway_metrics_port: Port = 9100
    """Where the gateway serves Prometheus metrics (never on the API port); 0: nowhere."""
    login_failures_per_account: int = Field(default=10, ge=1)
    """Failed sign-ins to one account (by email, any case, from any address) before 429."""
    login_failure_window_seconds: int = Field(default=900, ge=1)
    hold_rate_limit_per_minute: int = Field(default=30, ge=1)
    """Holds (POST /api/bookings) one user may make per minute."""
    gateway_compress_min_bytes: int = Field(default=1024, ge=0)
    """Answers smaller than this go as they are; larger ones gzipped for clients that take it."""
    gateway_compress_level: int = Field(default=6, ge=1, le=9)
    """gzip's level: 6 gets nearly all of 9's saving for far less CPU."""
    catalogue_local_ttl_seconds: float = Field(default=60.0, gt=0)
    """How long a gateway process keeps a catalogue read itself (writes drop it at once)."""
    catalogue_local_max_entries: int = Field(default=2048, ge=1)
    """Catalogue reads one gateway process keeps; the least recently read makes room."""
    catalogue_ack_timeout_seconds: float = Field(default=2.0, gt=0)
    """How long a catalogue write waits for every replica to drop what it made stale."""
    live_max_connections_per_client: int = Field(default=20, ge=1)
    """Live seat-map feeds one client address may have open; more are closed with 1013."""
    gateway_listen_backlog: int = Field(default=4096, ge=1)
    """Connections the kernel queues before the gateway accepts them (capped by the host's
    net.core.somaxconn): a burst of 2,000+ clients must not find the queue full."""
    gateway_redis_max_connections: int = Field(default=100, ge=1)
    """Connections to Redis one gateway process opens at most; a command finding them all busy
    waits up to a second for one, then counts its rate limit in the process."""
    gateway_max_in_flight_bookings: int = Field(default=32, ge=0)
    """Holds and other booking writes this process answers at once; more answer 503 overloaded
    with Retry-After at once (0: no limit). See "Graceful overload" in the README."""
    gateway_max_in_flight_seat_maps: int = Field(default=32, ge=0)
    """Seat-map reads (seats, best seats) this process answers at once; 0: no limit."""
    gateway_max_in_flight_catalogue: int = Field(default=32, ge=0)
    """Movie, session, genre, hall and config reads this process answers at once; 0: no limit."""
    gateway_max_in_flight_auth: int = Field(default=8, ge=0)
    """Register, login and refresh requests this process answers at once; 0: no limit."""
    gateway_max_in_flight_other: int = Field(default=32, ge=0)
    """Any other API request this process answers at once; 0: no limit."""
    gateway_overload_retry_after_seconds: int = Field(default=2, ge=1, le=60)
    """The Retry-After of a request shed as overloaded."""
    gateway_max_queue_ms: int = Field(default=200, ge=0)
    """An API request that waited longer than this in the gateway before its handling began is
    shed as overloaded; 0: never for waiting."""
