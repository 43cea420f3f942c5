"""Limits that only the real gateway process shows: uvicorn's head and frame limits, the live
feed's per-address cap, metrics on their own port, and rate limits that hold with Redis down.
"""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import RunningStack
from tests.e2e.test_bookings import Headers, make_show
from tests.e2e.test_halls import assert_error
from tests.helpers import admin_token, bearer, new_email

WAIT = 10.0


def gateway_address(running_stack: RunningStack) -> tuple[str, int]:
    url = urlsplit(running_stack.base_url)
    assert url.hostname is not None
    assert url.port is not None
    return url.hostname, url.port


def raw_request(running_stack: RunningStack, head: bytes) -> bytes:
    with socket.create_connection(gateway_address(running_stack), timeout=WAIT) as sock:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.fixture
def admin(api: httpx.Client) -> Headers:
    return bearer(admin_token(api))


def live_url(running_stack: RunningStack, session_id: int) -> str:
    return (
        running_stack.base_url.replace("http://", "ws://", 1) + f"/api/sessions/{session_id}/live"
    )


def read_until_closed(ws: ClientConnection) -> None:
    while True:
        ws.recv(timeout=WAIT)


def test_a_request_head_over_16_kib_answers_431(running_stack: RunningStack) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n"
    answer = raw_request(running_stack, head)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert b'"code": "request_header_fields_too_large"' in answer


def test_a_50_mb_header_is_cut_off_without_being_read(running_stack: RunningStack) -> None:
    started = time.monotonic()
    sent = 0
    with socket.create_connection(gateway_address(running_stack), timeout=WAIT) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Big: ")
        try:
            while sent < 50_000_000:
                sock.sendall(b"a" * 65536)
                sent += 65536
        except OSError:
            pass
    assert sent < 50_000_000, "the gateway read a 50 MB header"
    assert time.monotonic() - started < WAIT


def test_an_ordinary_request_head_still_passes(api: httpx.Client) -> None:
    response = api.get("/api/genres", headers={"X-Padding": "a" * 8000})
    assert response.status_code == 200, response.text


def test_a_10_mb_json_body_answers_413_at_once(api: httpx.Client) -> None:
    body = b'{"email": "' + b"a" * 10_000_000 + b'", "password": "x"}'
    started = time.monotonic()
    response = api.post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")
    assert time.monotonic() - started < WAIT


def test_a_big_websocket_frame_closes_the_feed_with_1009(
    api: httpx.Client, admin: Headers, running_stack: RunningStack
) -> None:
    show = make_show(api, admin)
    with connect(live_url(running_stack, show.session_id), open_timeout=WAIT) as ws:
        assert '"snapshot"' in str(ws.recv(timeout=WAIT))
        ws.send("x" * 100_000)
        with pytest.raises(ConnectionClosed) as closed:
            read_until_closed(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009


def test_one_address_may_hold_only_20_live_feeds(
    api: httpx.Client, admin: Headers, running_stack: RunningStack
) -> None:
    show = make_show(api, admin)
    url = live_url(running_stack, show.session_id)
    with ExitStack() as feeds:
        for _ in range(20):
            ws = feeds.enter_context(connect(url, open_timeout=WAIT))
            assert '"snapshot"' in str(ws.recv(timeout=WAIT))
        with connect(url, open_timeout=WAIT) as refused:
            with pytest.raises(ConnectionClosed) as closed:
                refused.recv(timeout=WAIT)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1013
    time.sleep(0.5)
    with connect(url, open_timeout=WAIT) as again:
        assert '"snapshot"' in str(again.recv(timeout=WAIT))


def test_metrics_are_served_on_their_own_port_not_the_api_port(
    api: httpx.Client, running_stack: RunningStack
) -> None:
    assert_error(api.get("/metrics"), 404, "not_found")
    port = running_stack.env["GATEWAY_METRICS_PORT"]
    scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=WAIT)
    assert scraped.status_code == 200
    assert "http_requests_total" in scraped.text


def test_answers_carry_nosniff_and_no_referrer(api: httpx.Client) -> None:
    response = api.get("/api/genres")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_nul_byte_in_a_text_field_is_422_not_502(api: httpx.Client, admin: Headers) -> None:
    registration = {"email": new_email(), "password": "Secret-123", "name": "Ada\x00"}
    assert_error(api.post("/api/auth/register", json=registration), 422, "validation_error")
    assert_error(api.post("/api/genres", json={"name": "a\x00b"}, headers=admin), 422)
    assert_error(api.get("/api/movies", params={"q": "a\x00b"}), 422, "validation_error")


def test_with_redis_down_sign_ins_are_still_limited(running_stack: RunningStack) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with (
        running_stack.changed_for(
            "gateway",
            REDIS_URL=f"redis://127.0.0.1:{closed_port}/0",
            AUTH_RATE_LIMIT_PER_MINUTE="3",
        ),
        httpx.Client(base_url=running_stack.base_url, timeout=30.0) as client,
    ):
        credentials = {"email": new_email(), "password": "Wrong-Passw0rd"}
        attempts = [client.post("/api/auth/login", json=credentials) for _ in range(4)]
        assert [a.status_code for a in attempts[:3]] == [401] * 3
        assert_error(attempts[3], 429, "too_many_requests")
        assert 1 <= int(attempts[3].headers["Retry-After"]) <= 60
