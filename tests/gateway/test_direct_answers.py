"""Seat-map reads the gateway's HTTP protocol answers itself (gateway/direct.py), through a real
uvicorn server on a socket: the same answer as the app's, without the app, counted and logged;
whatever it cannot answer from memory goes to the app, and never ahead of an earlier request."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from prometheus_client import REGISTRY

from gateway.routes.seatmap import KeptSeatMaps
from gateway.server import answering_directly
from tests.gateway.fakes import FakeClients
from tests.gateway.test_routes_seatmap_cache import SEATS_PATH, a_big_seat_map, loads, seat_map

ROUTE = "/api/sessions/{session_id}/seats"
ANSWER_WITHIN = 10.0
SLOW_PATH = "/slow"
SLOW_SECONDS = 0.1
"""Under the gateway's queue limit (200 ms), so the request behind it is not shed."""


def answered(status: str) -> float:
    labels = {"method": "GET", "route": ROUTE, "status": status}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


@dataclass
class Served:
    """A real server of the app on a socket, and the requests that reached the app."""

    base_url: str
    port: int
    app_paths: list[str] = field(default_factory=list)


@pytest.fixture
async def served(app: FastAPI) -> AsyncIterator[Served]:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    served = Served(f"http://127.0.0.1:{port}", port)

    async def counting(scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The app, noting each HTTP request that reaches it; /slow answers after a while."""
        if scope["type"] == "http":
            served.app_paths.append(scope["path"])
            if scope["path"] == SLOW_PATH:
                await asyncio.sleep(SLOW_SECONDS)
                headers = [(b"content-length", b"4")]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": b"slow"})
                return
        await app(scope, receive, send)

    direct = KeptSeatMaps(
        app,
        compress_min_bytes=app.state.settings.gateway_compress_min_bytes,
        compress_level=app.state.settings.gateway_compress_level,
    )
    config = uvicorn.Config(
        counting, http=answering_directly(direct), lifespan="off", log_config=None
    )
    server = uvicorn.Server(config)
    # connections wait in the listening socket's backlog until the server accepts them
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield served
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, ANSWER_WITHIN)
        listener.close()


async def keep_a_map(served: Served, services: FakeClients) -> None:
    """Has the app load the session's map at version 5 (so the store keeps it)."""
    services.booking.replies["GetSeatMap"] = seat_map(5)
    async with httpx.AsyncClient(base_url=served.base_url) as client:
        await client.get(SEATS_PATH)


def without_per_answer_headers(response: httpx.Response) -> dict[str, str]:
    headers = dict(response.headers)
    for name in ("date", "x-request-id"):
        headers.pop(name)
    return headers


async def test_a_kept_map_is_answered_without_the_app_as_the_app_answers_it(
    served: Served, services: FakeClients, caplog: pytest.LogCaptureFixture
) -> None:
    services.booking.replies["GetSeatMap"] = seat_map(5)
    async with httpx.AsyncClient(base_url=served.base_url) as client:
        by_the_app = await client.get(SEATS_PATH)
        before = answered("200")
        with caplog.at_level(logging.INFO, logger="gateway.access"):
            direct = await client.get(SEATS_PATH, headers={"X-Request-ID": "direct-1"})
    assert served.app_paths == [SEATS_PATH]
    assert loads(services) == 1
    assert (direct.status_code, direct.content) == (200, by_the_app.content)
    assert without_per_answer_headers(direct) == without_per_answer_headers(by_the_app)
    assert direct.headers["X-Request-ID"] == "direct-1"
    assert direct.headers["X-Seat-Map-Version"] == "5"
    assert "date" in direct.headers
    assert answered("200") == before + 1
    [line] = [r for r in caplog.records if r.name == "gateway.access"]
    assert line.getMessage() == f"GET {SEATS_PATH} 200"


async def test_if_none_match_and_gzip_are_answered_directly_like_the_app(
    served: Served, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = a_big_seat_map(7)
    async with httpx.AsyncClient(base_url=served.base_url) as client:
        plain = await client.get(SEATS_PATH, headers={"Accept-Encoding": "identity"})
        zipped = await client.get(SEATS_PATH, headers={"Accept-Encoding": "gzip"})
        again = await client.get(
            SEATS_PATH,
            headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
        )
    assert served.app_paths == [SEATS_PATH]
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    assert zipped.content == plain.content  # httpx decoded it
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["ETag"] == zipped.headers["ETag"]
    assert "content-length" not in again.headers or again.headers["content-length"] == "0"


async def test_a_read_that_needs_a_newer_map_than_kept_goes_to_the_app(
    served: Served, services: FakeClients
) -> None:
    await keep_a_map(served, services)
    services.booking.replies["GetSeatMap"] = seat_map(6)
    async with httpx.AsyncClient(base_url=served.base_url) as client:
        newer = await client.get(SEATS_PATH, headers={"X-Seat-Map-Min-Version": "6"})
        invalid = await client.get(SEATS_PATH, headers={"X-Seat-Map-Min-Version": "x"})
    assert newer.headers["X-Seat-Map-Version"] == "6"
    assert invalid.status_code == 422
    assert served.app_paths == [SEATS_PATH] * 3
    assert loads(services) == 2


async def test_a_direct_answer_waits_for_an_earlier_request_of_its_connection(
    served: Served, services: FakeClients
) -> None:
    await keep_a_map(served, services)
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(
        f"GET {SLOW_PATH} HTTP/1.1\r\nhost: x\r\n\r\n"
        f"GET {SEATS_PATH} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n".encode()
    )
    both = await asyncio.wait_for(reader.read(), ANSWER_WITHIN)
    writer.close()
    first, second = both.split(b"HTTP/1.1 200 OK\r\n")[1:]
    assert first.endswith(b"\r\n\r\nslow")
    assert b"x-seat-map-version: 5\r\n" in second.lower()
    assert served.app_paths == [SEATS_PATH, SLOW_PATH, SEATS_PATH]


async def test_connection_close_and_http_1_0_are_answered_then_closed(
    served: Served, services: FakeClients
) -> None:
    await keep_a_map(served, services)
    for request in (
        f"GET {SEATS_PATH} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
        f"GET {SEATS_PATH} HTTP/1.0\r\n\r\n",
    ):
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        writer.write(request.encode())
        answer = await asyncio.wait_for(reader.read(), ANSWER_WITHIN)  # reads to the close
        writer.close()
        head, body = answer.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"\r\nconnection: close" in head
        assert body.startswith(b"[")
    assert served.app_paths == [SEATS_PATH]
