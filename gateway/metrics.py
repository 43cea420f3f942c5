"""What the gateway tells operators about each HTTP request: an id, metrics and an access log line.

The metrics are served on a port of their own (GATEWAY_METRICS_PORT), never on the API port.

Metrics are labelled by the route's path template (`/api/bookings/{booking_id}`), never the
raw path, so one label value stands for a route however many ids it serves.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from svckit.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
"""A client's request id is used only when it is this: safe in logs, headers and metadata."""
UNMATCHED = "unmatched"
"""The route label of a request no route answers (a 404 for an unknown path)."""

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests the gateway answered, by method, route template and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Time the gateway took to answer an HTTP request, by method and route template.",
    ["method", "route"],
)

access_log = logging.getLogger("gateway.access")


def route_template(scope: Scope) -> str:
    """The path template of what answered the request, once it has been handled.

    An API route leaves itself in the scope; a mount (static files) its root path; a plain
    route without parameters (docs, /metrics) its endpoint, so its path is its template.
    """
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    if "app_root_path" in scope:
        return f"{scope['root_path']}/{{path}}"
    if "endpoint" in scope and not scope.get("path_params"):
        return str(scope["path"])
    return UNMATCHED


def incoming_request_id(scope: Scope) -> str:
    """The client's X-Request-ID when it is a safe token, else a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            if SAFE_REQUEST_ID.fullmatch(value):
                return bytes(value).decode("ascii")
            break
    return uuid.uuid4().hex


class ObservedRequests:
    """ASGI middleware: a request id for logs, the services and the response; metrics; a log line.

    The id is the client's `X-Request-ID` when it sends a usable one; it is set for this
    request's log lines, kept in `request.state.request_id` (services receive it in gRPC
    metadata) and returned in the response's `X-Request-ID`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._answered: dict[tuple[str, str, int], Counter] = {}
        self._durations: dict[tuple[str, str], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"]
            route = route_template(scope)
            self.answered(method, route, status).inc()
            self.durations(method, route).observe(seconds)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d",
                    method,
                    scope["path"],
                    status,
                    extra={
                        "fields": {
                            "method": method,
                            "path": scope["path"],
                            "route": route,
                            "status": status,
                            "duration_ms": round(seconds * 1000, 2),
                        }
                    },
                )

    def answered(self, method: str, route: str, status: int) -> Counter:
        """The request counter's child for the labels (looked up once: labels() is not cheap)."""
        key = (method, route, status)
        if (child := self._answered.get(key)) is None:
            child = self._answered[key] = REQUESTS.labels(method, route, str(status))
        return child

    def durations(self, method: str, route: str) -> Histogram:
        key = (method, route)
        if (child := self._durations.get(key)) is None:
            child = self._durations[key] = REQUEST_SECONDS.labels(method, route)
        return child
