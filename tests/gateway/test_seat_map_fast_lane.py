"""The seat map's fast lane in process: it answers reads without FastAPI's routes and
dependencies, like the route would (headers, errors, metrics, access log), and leaves what it
does not take as well-formed to the route."""

from __future__ import annotations

import logging

import grpc
import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from cinemapb.booking.v1 import booking_pb2
from gateway.routes.seatmap import get_seat_maps, seat_map_request
from tests.gateway.fakes import FakeClients, failed_call
from tests.gateway.test_routes_seatmap_cache import SEATS_PATH, a_big_seat_map, loads, seat_map

ROUTE = "/api/sessions/{session_id}/seats"


def answered(status: str) -> float:
    labels = {"method": "GET", "route": ROUTE, "status": status}
    return REGISTRY.get_sample_value("http_requests_total", labels) or 0.0


def broken_dependency() -> None:
    raise AssertionError("the route's dependencies were solved")


async def test_a_read_is_answered_without_the_routes_dependencies(
    api: httpx.AsyncClient, app: FastAPI, services: FakeClients
) -> None:
    app.dependency_overrides[get_seat_maps] = broken_dependency
    services.booking.replies["GetSeatMap"] = seat_map(5)
    response = await api.get(SEATS_PATH)
    assert response.status_code == 200
    assert response.json()[0]["seat_id"] == 11
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.content)


async def test_a_read_carries_the_safety_headers_and_a_request_id_and_is_counted_and_logged(
    api: httpx.AsyncClient, services: FakeClients, caplog: pytest.LogCaptureFixture
) -> None:
    services.booking.replies["GetSeatMap"] = seat_map(5)
    before = answered("200")
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        response = await api.get(SEATS_PATH, headers={"X-Request-ID": "read-1"})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Request-ID"] == "read-1"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert answered("200") == before + 1
    [line] = [r for r in caplog.records if r.name == "gateway.access"]
    assert line.getMessage() == f"GET {SEATS_PATH} 200"


async def test_an_unknown_session_is_404_in_the_contracts_words(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = failed_call(grpc.StatusCode.NOT_FOUND, "no session")
    before = answered("404")
    response = await api.get("/api/sessions/404/seats")
    assert response.status_code == 404
    assert response.json() == {"error": "session 404 not found", "code": "session_not_found"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert answered("404") == before + 1


async def test_booking_svc_down_is_503_not_a_stack_trace(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = failed_call(grpc.StatusCode.UNAVAILABLE, "down")
    response = await api.get(SEATS_PATH)
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/api/sessions/0/seats", {}, 422),
        ("/api/sessions/9223372036854775808/seats", {}, 422),
        ("/api/sessions/abc/seats", {}, 422),
        (SEATS_PATH, {"X-Seat-Map-Min-Version": "-1"}, 422),
        (SEATS_PATH, {"X-Seat-Map-Min-Version": "99999999999999999999"}, 422),
    ],
)
async def test_what_the_route_would_refuse_is_left_to_it(
    api: httpx.AsyncClient,
    services: FakeClients,
    path: str,
    headers: dict[str, str],
    status: int,
) -> None:
    services.booking.replies["GetSeatMap"] = seat_map(5)
    response = await api.get(path, headers=headers)
    assert response.status_code == status
    assert response.json()["code"] == "validation_error"
    assert loads(services) == 0


async def test_a_session_id_with_leading_zeros_is_the_routes_read_of_that_session(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = a_big_seat_map(5)
    lane = await api.get(SEATS_PATH, headers={"Accept-Encoding": "gzip"})
    route = await api.get("/api/sessions/004/seats", headers={"Accept-Encoding": "gzip"})
    assert route.content == lane.content
    for name in ("ETag", "Vary", "Content-Encoding", "Cache-Control", "X-Seat-Map-Version"):
        assert route.headers[name] == lane.headers[name]


async def test_other_methods_are_the_routes_to_refuse(api: httpx.AsyncClient) -> None:
    response = await api.post(SEATS_PATH)
    assert response.status_code == 405


def test_the_first_of_each_header_counts_and_the_greater_of_cookie_and_header_wins() -> None:
    request = seat_map_request(
        [
            (b"if-none-match", b'"5-abc"'),
            (b"if-none-match", b'"6-def"'),
            (b"cookie", b"theme=dark; seat_map_seen=9"),
            (b"x-seat-map-min-version", b"7"),
            (b"accept-encoding", b"gzip, br"),
        ]
    )
    assert request is not None
    assert request.if_none_match == '"5-abc"'
    assert request.accept_encoding == "gzip, br"
    assert request.min_version == 9
    assert seat_map_request([(b"x-seat-map-min-version", b"12")]) is not None
    assert seat_map_request([(b"x-seat-map-min-version", b"1e3")]) is None
    assert seat_map_request([(b"cookie", b"seat_map_seen=soon")]) == seat_map_request([])


async def test_a_not_modified_answer_has_no_body_and_the_tags_headers(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = booking_pb2.SeatMap(session_id=4, version=3)
    first = await api.get(SEATS_PATH)
    again = await api.get(SEATS_PATH, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert "Content-Type" not in again.headers
    assert again.headers["X-Content-Type-Options"] == "nosniff"
