"""Graceful overload: past a route class's in-flight limit a request is shed at once with 503."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message as AsgiMessage

from gateway.admission import (
    ARRIVED_AT,
    AdmissionControl,
    Gates,
    RouteClass,
    ShedAtOnce,
    route_class,
)
from gateway.server import BoundedHeadProtocol, answering_directly
from gateway.settings import GatewaySettings
from tests.gateway.conftest import JWT_SECRET
from tests.gateway.fakes import FakeClients, FakeService
from tests.gateway.helpers import a_user, assert_error

RETRY_AFTER = 3
ANSWER_WITHIN = 5.0
"""Seconds a shed request may take before the test gives up (it would otherwise wait forever)."""


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/api/bookings", RouteClass.BOOKINGS),
        ("POST", "/api/bookings/b1/pay", RouteClass.BOOKINGS),
        ("POST", "/api/bookings/b1/cancel", RouteClass.BOOKINGS),
        ("POST", "/api/sessions/4/waitlist", RouteClass.BOOKINGS),
        ("DELETE", "/api/waitlist/9", RouteClass.BOOKINGS),
        ("GET", "/api/sessions/4/seats", RouteClass.SEAT_MAPS),
        ("GET", "/api/sessions/4/best-seats", RouteClass.SEAT_MAPS),
        ("GET", "/api/movies", RouteClass.CATALOGUE),
        ("GET", "/api/sessions/4/aggregate", RouteClass.CATALOGUE),
        ("HEAD", "/api/genres", RouteClass.CATALOGUE),
        ("POST", "/api/auth/login", RouteClass.AUTH),
        ("POST", "/api/auth/register", RouteClass.AUTH),
        ("POST", "/api/auth/refresh", RouteClass.AUTH),
        ("POST", "/api/auth/logout", RouteClass.OTHER),
        ("GET", "/api/bookings", RouteClass.OTHER),
        ("POST", "/api/movies", RouteClass.OTHER),
        ("POST", "/api/tickets/check-in", RouteClass.OTHER),
        ("GET", "/healthz", None),
        ("GET", "/readyz", None),
        ("GET", "/static/js/app.js", None),
        ("GET", "/", None),
        ("GET", "/admin", None),
    ],
)
def test_requests_are_classed_by_method_and_path(
    method: str, path: str, expected: RouteClass | None
) -> None:
    assert route_class(method, path) is expected


class SlowRoutes:
    """A tiny app whose API routes wait until released: requests stay in flight at will."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0
        self.arrived = asyncio.Condition()

    async def arrive(self) -> None:
        async with self.arrived:
            self.entered += 1
            self.arrived.notify_all()

    async def held(self, _request: Request) -> Response:
        await self.arrive()
        await self.release.wait()
        return JSONResponse({"ok": True})

    async def failing(self, _request: Request) -> Response:
        raise RuntimeError("the route broke")

    async def until_disconnect(self, request: Request) -> Response:
        await self.arrive()
        while (await request.receive())["type"] != "http.disconnect":
            pass
        return Response(status_code=499)

    async def healthz(self, _request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/sessions/{id}/seats", self.held),
                Route("/api/movies", self.held),
                Route("/api/sessions/{id}/best-seats", self.failing),
                Route("/api/bookings", self.until_disconnect, methods=["POST"]),
                Route("/healthz", self.healthz),
            ]
        )


def admission(
    routes: SlowRoutes, max_queue_seconds: float = 0.0, **limits: int
) -> AdmissionControl:
    return AdmissionControl(
        routes.app(),
        gates=Gates({RouteClass(name): limit for name, limit in limits.items()}),
        retry_after_seconds=RETRY_AFTER,
        max_queue_seconds=max_queue_seconds,
    )


@pytest.fixture
def routes() -> SlowRoutes:
    return SlowRoutes()


def client_of(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://gateway")


async def started(
    calls: Callable[[], Coroutine[Any, Any, httpx.Response]], count: int, routes: SlowRoutes
) -> list[asyncio.Task[httpx.Response]]:
    """`count` requests sent and waiting inside the app."""
    tasks = [asyncio.create_task(calls()) for _ in range(count)]
    await entered(routes, count)
    return tasks


async def entered(routes: SlowRoutes, count: int) -> None:
    """Until `count` requests have reached the routes (failing if they do not, never hanging)."""

    async def arrivals() -> None:
        async with routes.arrived:
            await routes.arrived.wait_for(lambda: routes.entered >= count)

    await asyncio.wait_for(arrivals(), ANSWER_WITHIN)


def shed(route_class: str, reason: str = "in_flight") -> float:
    labels = {"route_class": route_class, "reason": reason}
    return REGISTRY.get_sample_value("http_requests_shed_total", labels) or 0


def in_flight(route_class: str) -> float:
    value = REGISTRY.get_sample_value("http_requests_in_flight", {"route_class": route_class})
    assert value is not None
    return value


async def test_the_request_past_the_limit_is_shed_at_once_with_retry_after(
    routes: SlowRoutes,
) -> None:
    middleware = admission(routes, seat_maps=2)
    async with client_of(middleware) as client:
        holding = await started(lambda: client.get("/api/sessions/4/seats"), 2, routes)
        shed_before = shed("seat_maps")

        refused = await asyncio.wait_for(client.get("/api/sessions/4/seats"), ANSWER_WITHIN)

        assert_error(refused, 503, "overloaded")
        assert refused.headers["Retry-After"] == str(RETRY_AFTER)
        assert refused.headers["Cache-Control"] == "no-store"
        assert "busy" in refused.json()["error"]
        assert routes.entered == 2, "a shed request never reaches the route"
        assert shed("seat_maps") == shed_before + 1
        assert in_flight("seat_maps") == 2
        routes.release.set()
        assert [task.status_code for task in await asyncio.gather(*holding)] == [200, 200]
        assert in_flight("seat_maps") == 0
        assert (await client.get("/api/sessions/4/seats")).status_code == 200


async def test_other_classes_and_health_are_served_while_one_class_is_full(
    routes: SlowRoutes,
) -> None:
    middleware = admission(routes, seat_maps=1, catalogue=1)
    async with client_of(middleware) as client:
        holding = await started(lambda: client.get("/api/sessions/4/seats"), 1, routes)

        assert (await client.get("/healthz")).status_code == 200
        catalogue = asyncio.create_task(client.get("/api/movies"))
        await entered(routes, 2)
        assert in_flight("catalogue") == 1
        routes.release.set()
        assert (await catalogue).status_code == 200
        await asyncio.gather(*holding)


async def test_a_limit_of_0_admits_everything(routes: SlowRoutes) -> None:
    middleware = admission(routes, seat_maps=0)
    async with client_of(middleware) as client:
        holding = await started(lambda: client.get("/api/sessions/4/seats"), 50, routes)
        assert in_flight("seat_maps") == 50
        routes.release.set()
        answers = await asyncio.gather(*holding)
    assert {answer.status_code for answer in answers} == {200}


async def test_a_route_that_fails_gives_its_slot_back(routes: SlowRoutes) -> None:
    middleware = admission(routes, seat_maps=1)
    async with client_of(middleware) as client:
        for _ in range(3):
            assert (await client.get("/api/sessions/4/best-seats")).status_code == 500
        assert in_flight("seat_maps") == 0


def http_scope(method: str, path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [],
        "client": ("198.51.100.7", 40000),
        "server": ("gateway", 80),
    }


async def ignore(_message: AsgiMessage) -> None:
    return None


async def test_a_request_cancelled_mid_flight_gives_its_slot_back(routes: SlowRoutes) -> None:
    middleware = admission(routes, seat_maps=1)

    async def waiting_receive() -> AsgiMessage:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    request = asyncio.create_task(
        middleware(http_scope("GET", "/api/sessions/4/seats"), waiting_receive, ignore)
    )
    await entered(routes, 1)
    assert in_flight("seat_maps") == 1
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    assert in_flight("seat_maps") == 0


async def test_a_client_that_goes_away_gives_its_slot_back(routes: SlowRoutes) -> None:
    middleware = admission(routes, bookings=1)
    gone = asyncio.Event()

    async def receive() -> AsgiMessage:
        await gone.wait()
        return {"type": "http.disconnect"}

    request = asyncio.create_task(middleware(http_scope("POST", "/api/bookings"), receive, ignore))
    await entered(routes, 1)
    assert in_flight("bookings") == 1
    gone.set()
    await request
    assert in_flight("bookings") == 0


class HeldService(FakeService):
    """A fake service whose every call waits until released."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    def __getattr__(self, method: str) -> Callable[..., Awaitable[Message]]:
        answer = super().__getattr__(method)

        async def held(request: Message, **options: Any) -> Message:
            self.entered.set()
            await self.release.wait()
            return await answer(request, **options)

        return held


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(
        jwt_secret=JWT_SECRET,
        gateway_max_in_flight_auth=1,
        gateway_overload_retry_after_seconds=RETRY_AFTER,
    )


@pytest.fixture
def services() -> FakeClients:
    services = FakeClients(users=HeldService())
    services.users.replies["Register"] = a_user()
    for health in services.healths.values():
        health.replies["Check"] = health_pb2.HealthCheckResponse(
            status=health_pb2.HealthCheckResponse.SERVING
        )
    return services


@pytest.fixture
async def held_registration(
    api: httpx.AsyncClient, services: FakeClients
) -> AsyncIterator[asyncio.Task[httpx.Response]]:
    users = services.users
    assert isinstance(users, HeldService)
    registration = {"email": "ada@example.com", "password": "Correct-Horse-9", "name": "Ada"}
    task = asyncio.create_task(api.post("/api/auth/register", json=registration))
    await asyncio.wait_for(users.entered.wait(), 5)
    yield task
    users.release.set()
    await task


async def test_the_gateway_sheds_a_second_registration_while_one_is_in_flight(
    app: FastAPI, api: httpx.AsyncClient, held_registration: asyncio.Task[httpx.Response]
) -> None:
    registration = {"email": "bob@example.com", "password": "Correct-Horse-9", "name": "Bob"}

    refused = await asyncio.wait_for(
        api.post("/api/auth/register", json=registration), ANSWER_WITHIN
    )

    assert_error(refused, 503, "overloaded")
    assert refused.headers["Retry-After"] == str(RETRY_AFTER)
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert (await api.get("/healthz")).status_code == 200
    assert (await api.get("/readyz")).json().get("code") != "overloaded"
    assert (await api.get("/")).status_code == 200
    assert (
        "overloaded"
        in app.openapi()["paths"]["/api/auth/register"]["post"]["responses"]["503"]["description"]
    )
    assert not held_registration.done()


async def test_the_registration_slot_is_free_again_once_the_first_is_answered(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    users = services.users
    assert isinstance(users, HeldService)
    users.release.set()
    registration = {"email": "bob@example.com", "password": "Correct-Horse-9", "name": "Bob"}
    for _ in range(3):
        assert (await api.post("/api/auth/register", json=registration)).status_code == 201


def arrived(app: Any, seconds_ago: float | None) -> Any:
    """An ASGI app that stamps each request as the server does, `seconds_ago` in the past."""

    async def stamped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if seconds_ago is not None and scope["type"] == "http":
            scope[ARRIVED_AT] = time.monotonic() - seconds_ago
        await app(scope, receive, send)

    return stamped


async def test_a_request_that_queued_past_the_limit_is_shed_before_the_app(
    routes: SlowRoutes,
) -> None:
    routes.release.set()
    middleware = admission(routes, max_queue_seconds=0.2, seat_maps=0)
    shed_before = shed("seat_maps", "queued")
    async with client_of(arrived(middleware, seconds_ago=0.5)) as client:
        refused = await asyncio.wait_for(client.get("/api/sessions/4/seats"), ANSWER_WITHIN)
        health = await client.get("/healthz")

    assert_error(refused, 503, "overloaded")
    assert refused.headers["Retry-After"] == str(RETRY_AFTER)
    assert routes.entered == 0
    assert shed("seat_maps", "queued") == shed_before + 1
    assert health.status_code == 200, "what is never shed is never shed for waiting either"


@pytest.mark.parametrize(
    ("max_queue_seconds", "seconds_ago"),
    [(0.2, 0.01), (0.2, None), (0.0, 5.0)],
    ids=["fresh", "not stamped (in-process)", "queue limit off"],
)
async def test_a_request_within_the_queue_limit_is_admitted(
    routes: SlowRoutes, max_queue_seconds: float, seconds_ago: float | None
) -> None:
    routes.release.set()
    middleware = admission(routes, max_queue_seconds=max_queue_seconds, seat_maps=0)
    async with client_of(arrived(middleware, seconds_ago)) as client:
        answer = await client.get("/api/sessions/4/seats")
    assert answer.status_code == 200
    assert routes.entered == 1


async def test_the_server_stamps_each_request_with_when_its_head_was_read() -> None:
    seen: list[float] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        seen.append(time.monotonic() - scope[ARRIVED_AT])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, http=BoundedHeadProtocol, lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    # connections wait in the listening socket's backlog until the server accepts them
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            answers = [await client.get("/api/movies") for _ in range(3)]
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, ANSWER_WITHIN)
        listener.close()
    assert [answer.status_code for answer in answers] == [204, 204, 204]
    assert len(seen) == 3
    assert all(0 <= age < ANSWER_WITHIN for age in seen)


async def test_the_server_sheds_a_full_class_itself_and_the_connection_stays_usable(
    routes: SlowRoutes,
) -> None:
    gates = Gates({RouteClass.BOOKINGS: 1})
    middleware = AdmissionControl(routes.app(), gates=gates, retry_after_seconds=RETRY_AFTER)
    reached: list[str] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            reached.append(scope["path"])
        await middleware(scope, receive, send)

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    protocol = answering_directly(ShedAtOnce(gates, RETRY_AFTER))
    server = uvicorn.Server(uvicorn.Config(app, http=protocol, lifespan="off", log_config=None))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as holder:
            holding = asyncio.create_task(holder.post("/api/bookings", json={"seats": [1]}))
            await entered(routes, 1)
            shed_before = shed("bookings")
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            body = b'{"session_id": 1, "seats_id": [1, 2]}'
            writer.write(
                b"POST /api/bookings HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                b"content-length: %d\r\n\r\n%s"
                % (len(body), body)
                + b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
            )
            both = await asyncio.wait_for(reader.read(), ANSWER_WITHIN)
            writer.close()
            holding.cancel()
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, ANSWER_WITHIN)
        listener.close()
    refused, health = both.split(b"HTTP/1.1 200 OK\r\n")
    head, refusal = refused.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    assert f"retry-after: {RETRY_AFTER}\r\n".encode() in head
    assert json.loads(refusal)["code"] == "overloaded"
    assert health.endswith(b'{"status":"ok"}')
    assert reached == ["/api/bookings", "/healthz"], "the shed request never reached the app"
    assert shed("bookings") == shed_before + 1
