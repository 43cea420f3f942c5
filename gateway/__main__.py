import uvicorn

from gateway.app import create_app
from gateway.settings import GatewaySettings
from svckit.logging import configure_logging

settings = GatewaySettings()
configure_logging("gateway", settings.log_level)
uvicorn.run(
    create_app(settings),
    host=settings.gateway_host,
    port=settings.gateway_port,
    log_config=None,
    access_log=False,
    ws_per_message_deflate=False,
)
