from gateway.server import serve
from gateway.settings import GatewaySettings
from svckit.logging import configure_logging

settings = GatewaySettings()
configure_logging("gateway", settings.log_level)
serve(settings)
