"""Graceful overload: bounded in-flight API requests per route class, the excess shed at once.

Past what the machine can serve, more requests in flight only make every answer slower (the
work queues, it does not go faster). So each class of route may have at most its limit of
requests in flight in this process; one more is answered at once with 503, `Retry-After` and
the contract's error body (code `overloaded`) instead of waiting its turn for seconds. A shed
request reached no service, so a client may send it again, as is, after `Retry-After`.

Requests cheap enough never to pile up in flight (seat maps from memory, cached catalogue
reads) can still queue: when thousands of clients send at once, each waits for the event loop
to get through everyone ahead of it. So a request that waited longer than the queue limit
between the server reading its head and the app starting it is shed as well (its age is
stamped by gateway/server.py): its answer would come late anyway, and shedding costs a small
fraction of answering, so the queue drains and the requests that are admitted stay fast.

The middleware is the outermost of the gateway's own: a shed request costs a few microseconds,
and is counted in `http_requests_shed_total`, not in the access log or `http_requests_total`.

Only `/api/` requests are counted: pages, static files and health answers are never shed
(they are cheap, and probes must see a busy gateway as alive), WebSockets have limits of their
own (gateway/live/), and metrics are served on another port.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from enum import StrEnum

from prometheus_client import Counter, Gauge
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.direct import DirectAnswer, header_lines
from gateway.edge import SAFETY_HEADERS
from gateway.errors import error_response
from gateway.settings import GatewaySettings

API_PREFIX = "/api/"
OVERLOADED = "overloaded"
OVERLOADED_MESSAGE = "The cinema is very busy right now. Please try again in a few seconds."
ARRIVED_AT = "gateway.arrived_at"
"""Scope key: when the server had read the request's head (time.monotonic())."""


class RouteClass(StrEnum):
    """What a request costs and whom it serves: each class has its own in-flight limit."""

    BOOKINGS = "bookings"
    """Holds and every other booking write: pay, confirm, cancel, extend, waiting list."""
    SEAT_MAPS = "seat_maps"
    CATALOGUE = "catalogue"
    """Reads of movies, sessions, genres, halls and the page's configuration."""
    AUTH = "auth"
    """Register, sign in, refresh: user_svc's work, and bcrypt for the first two (the dearest)."""
    OTHER = "other"


READS = frozenset({"GET", "HEAD"})
SEAT_MAP_SUFFIXES = ("/seats", "/best-seats")
CATALOGUE_PREFIXES = (
    "/api/movies",
    "/api/sessions",
    "/api/genres",
    "/api/halls",
    "/api/config",
    "/api/payments/config",
)
BCRYPT_PATHS = frozenset({"/api/auth/register", "/api/auth/login", "/api/auth/refresh"})
BOOKING_WRITE_PREFIXES = ("/api/bookings", "/api/waitlist")
WAITLIST_SUFFIX = "/waitlist"


class ShedReason(StrEnum):
    IN_FLIGHT = "in_flight"
    """The request's class was at its in-flight limit."""
    QUEUED = "queued"
    """The request waited in the gateway's queue longer than the queue limit."""


SHED = Counter(
    "http_requests_shed_total",
    "API requests answered 503 overloaded at once: their class was at its in-flight limit, "
    "or they had queued too long.",
    ["route_class", "reason"],
)
IN_FLIGHT = Gauge(
    "http_requests_in_flight",
    "API requests this gateway is answering now, by route class.",
    ["route_class"],
)


def route_class(method: str, path: str) -> RouteClass | None:
    """The class of a request by its method and path alone; None for what is never shed."""
    if not path.startswith(API_PREFIX):
        return None
    if method in READS:
        if path.endswith(SEAT_MAP_SUFFIXES) and path.startswith("/api/sessions/"):
            return RouteClass.SEAT_MAPS
        if path.startswith(CATALOGUE_PREFIXES):
            return RouteClass.CATALOGUE
        return RouteClass.OTHER
    if path in BCRYPT_PATHS:
        return RouteClass.AUTH
    if path.startswith(BOOKING_WRITE_PREFIXES) or path.endswith(WAITLIST_SUFFIX):
        return RouteClass.BOOKINGS
    return RouteClass.OTHER


def in_flight_limits(settings: GatewaySettings) -> dict[RouteClass, int]:
    """Each route class's limit from the GATEWAY_MAX_IN_FLIGHT_* settings."""
    return {
        RouteClass.BOOKINGS: settings.gateway_max_in_flight_bookings,
        RouteClass.SEAT_MAPS: settings.gateway_max_in_flight_seat_maps,
        RouteClass.CATALOGUE: settings.gateway_max_in_flight_catalogue,
        RouteClass.AUTH: settings.gateway_max_in_flight_auth,
        RouteClass.OTHER: settings.gateway_max_in_flight_other,
    }


class Gate:
    """The requests of one route class in flight in this process, and its limit (0: none)."""

    __slots__ = ("in_flight", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0

    def current(self) -> float:
        return self.in_flight

    def full(self) -> bool:
        return 0 < self.limit <= self.in_flight


class Gates:
    """Each route class's gate in this process, shared by the middleware (which counts what is
    in flight) and the server's direct answers (which shed what finds its gate full)."""

    def __init__(self, limits: Mapping[RouteClass, int]) -> None:
        self.by_class = {kind: Gate(limits.get(kind, 0)) for kind in RouteClass}
        for kind, gate in self.by_class.items():
            IN_FLIGHT.labels(kind.value).set_function(gate.current)

    def __getitem__(self, kind: RouteClass) -> Gate:
        return self.by_class[kind]


def refusal(retry_after_seconds: int) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The 503 `overloaded` answer's body and headers, rendered once: shedding must cost next
    to nothing."""
    response = error_response(
        503,
        OVERLOADED_MESSAGE,
        OVERLOADED,
        {"Retry-After": str(retry_after_seconds), "Cache-Control": "no-store", **SAFETY_HEADERS},
    )
    return bytes(response.body), response.raw_headers


class AdmissionControl:
    """ASGI middleware: at most the gate's limit of API requests of a class in flight, else 503.

    A request holds its slot until the app returns, raises or is cancelled (a client that
    goes away mid-request frees it too).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        gates: Gates,
        retry_after_seconds: int,
        max_queue_seconds: float = 0.0,
    ) -> None:
        self.app = app
        self.gates = gates
        self.max_queue_seconds = max_queue_seconds
        self.shed_counters = {
            (kind, reason): SHED.labels(kind.value, reason.value)
            for kind in RouteClass
            for reason in ShedReason
        }
        self.refusal, self.refusal_headers = refusal(retry_after_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = route_class(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        gate = self.gates[kind]
        reason = ShedReason.IN_FLIGHT if gate.full() else self.queued_too_long(scope)
        if reason is not None:
            self.shed_counters[kind, reason].inc()
            await self.refuse(send)
            return
        gate.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            gate.in_flight -= 1

    def queued_too_long(self, scope: Scope) -> ShedReason | None:
        """QUEUED when the request waited past the queue limit before reaching the app."""
        arrived = scope.get(ARRIVED_AT)
        if arrived is None or not self.max_queue_seconds:
            return None
        if time.monotonic() - arrived > self.max_queue_seconds:
            return ShedReason.QUEUED
        return None

    async def refuse(self, send: Send) -> None:
        # a fresh header list: middleware outside this one add to the list they are given
        headers = list(self.refusal_headers)
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": self.refusal})


class ShedAtOnce:
    """The server's direct 503 (gateway/direct.py) to a request whose class is at its in-flight
    limit: the middleware's answer, without a task or the app. The middleware still sheds
    what fills a gate after the server read the request, and what queued too long."""

    def __init__(self, gates: Gates, retry_after_seconds: int) -> None:
        self.gates = gates
        body, headers = refusal(retry_after_seconds)
        self.answer = DirectAnswer(
            503, b"Service Unavailable", header_lines(headers), body, route=None
        )
        self.shed_counters = {
            kind: SHED.labels(kind.value, ShedReason.IN_FLIGHT.value) for kind in RouteClass
        }

    def __call__(
        self, method: bytes, path: bytes, headers: Sequence[tuple[bytes, bytes]]
    ) -> DirectAnswer | None:
        kind = route_class(method.decode("latin-1"), path.decode("latin-1"))
        if kind is None or not self.gates[kind].full():
            return None
        self.shed_counters[kind].inc()
        return self.answer
