"""Gateway settings."""

from svckit.settings import CommonSettings


class GatewaySettings(CommonSettings):
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    health_timeout_seconds: float = 1.0
