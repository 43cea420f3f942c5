"""How the gateway turns failed service calls and its own failures into error answers."""

from __future__ import annotations

import grpc
import httpx
import pytest

from svckit.errors import InvalidArgument, NotFound, PermissionDenied, TooManyRequests
from tests.gateway.fakes import FakeClients, failed_call, rpc_error
from tests.gateway.helpers import assert_error


@pytest.mark.parametrize(
    ("status", "http_status"),
    [
        (grpc.StatusCode.UNAVAILABLE, 503),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 503),
        (grpc.StatusCode.CANCELLED, 503),
        (grpc.StatusCode.INTERNAL, 502),
        (grpc.StatusCode.UNKNOWN, 502),
    ],
)
async def test_a_service_failure_is_a_5xx_that_tells_nothing_internal(
    api: httpx.AsyncClient, services: FakeClients, status: grpc.StatusCode, http_status: int
) -> None:
    services.movies.replies["GetMovie"] = failed_call(status, "stack trace here")
    response = await api.get("/api/movies/5")
    assert_error(response, http_status)
    assert "stack trace" not in response.text
    assert response.json()["code"] in {"service_unavailable", "bad_gateway"}


async def test_an_error_code_and_details_from_the_service_reach_the_client(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    error = InvalidArgument("seats not in hall", code="seat_not_in_hall", details={"seat_ids": [9]})
    services.booking.replies["CreateBooking"] = rpc_error(error)
    response = await api.post(
        "/api/bookings", json={"session_id": 4, "seats_id": [9]}, headers=user
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": "seats not in hall",
        "code": "seat_not_in_hall",
        "seat_ids": [9],
    }


@pytest.mark.parametrize(
    ("error", "http_status"),
    [
        (NotFound("no such movie", code="movie_not_found"), 404),
        (PermissionDenied("admin role required"), 403),
        (TooManyRequests("slow down"), 429),
    ],
)
async def test_service_errors_map_to_their_http_status(
    api: httpx.AsyncClient, services: FakeClients, error: Exception, http_status: int
) -> None:
    assert isinstance(error, NotFound | PermissionDenied | TooManyRequests)
    services.movies.replies["GetMovie"] = rpc_error(error)
    assert_error(await api.get("/api/movies/5"), http_status, error.code)


async def test_an_unexpected_gateway_failure_is_500_internal_error(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.movies.replies["GetMovie"] = RuntimeError("bug")
    assert_error(await api.get("/api/movies/5"), 500, "internal_error")


async def test_an_unknown_path_is_404_with_the_error_body(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/api/nothing-here"), 404, "not_found")


async def test_a_wrong_method_is_405_with_the_error_body(api: httpx.AsyncClient) -> None:
    assert_error(await api.patch("/api/movies"), 405, "method_not_allowed")


async def test_every_answer_carries_a_request_id_that_reaches_the_service(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.movies.replies["GetMovie"] = rpc_error(NotFound("gone", code="movie_not_found"))
    response = await api.get("/api/movies/5", headers={"X-Request-ID": "trace-me"})
    assert response.headers["X-Request-ID"] == "trace-me"
    assert "trace-me" in services.movies.last("GetMovie").metadata.values()
