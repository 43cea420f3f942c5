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
from collections.abc import Iterable

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
    return request_id_of(scope["headers"])


def request_id_of(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The X-Request-ID among a request's headers when it is a safe token, else a new one."""
    for name, value in headers:
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
            answered(
                scope["method"],
                scope["path"],
                route_template(scope),
                status,
                time.perf_counter() - started,
            )


_answered: dict[tuple[str, str, int], Counter] = {}
_durations: dict[tuple[str, str], Histogram] = {}


def answered(method: str, path: str, route: str, status: int, seconds: float) -> None:
    """Counts and times an answered request, and logs its access line (at INFO)."""
    counter_key = (method, route, status)
    if (counter := _answered.get(counter_key)) is None:
        # looked up once per label set: labels() is not cheap
        counter = _answered[counter_key] = REQUESTS.labels(method, route, str(status))
    counter.inc()
    if (histogram := _durations.get((method, route))) is None:
        histogram = _durations[method, route] = REQUEST_SECONDS.labels(method, route)
    histogram.observe(seconds)
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(
            "%s %s %d",
            method,
            path,
            status,
            extra={
                "fields": {
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                }
            },
        )
