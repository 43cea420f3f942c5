"""Sessions and the seat map in process: schedule requests, aggregates, seat states."""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from svckit.errors import Conflict, NotFound
from tests.gateway.fakes import FakeClients, failed_call, rpc_error
from tests.gateway.helpers import a_hall, a_session, assert_error

SESSION = {
    "movie_id": 5,
    "hall_id": 2,
    "start_time": "2030-03-17T19:46:40+02:00",
    "end_time": "2030-03-17T21:46:40+02:00",
}


async def test_a_session_is_answered_with_its_price_and_status(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.cinema.replies["GetSession"] = a_session()
    response = await api.get("/api/sessions/4")
    assert response.json() == {
        "id": 4,
        "movie_id": 5,
        "hall_id": 2,
        "start_time": "2030-03-17T17:46:40Z",
        "end_time": "2030-03-17T19:46:40Z",
        "base_price": 12.5,
        "status": "scheduled",
        "prices": {"standard": 12.5, "vip": 20.0},
    }


async def test_a_new_session_without_a_price_costs_ten_in_utc_times(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.cinema.replies["CreateSession"] = a_session()
    response = await api.post("/api/sessions", json=SESSION, headers=admin)
    assert response.status_code == 201
    request = services.cinema.last("CreateSession").request
    assert request.base_price_cents == 1000
    assert request.start_time.seconds == 1_900_000_000


async def test_a_changed_session_without_a_price_keeps_its_price(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.cinema.replies["UpdateSession"] = a_session()
    response = await api.put("/api/sessions/4", json=SESSION, headers=admin)
    assert response.status_code == 200
    request = services.cinema.last("UpdateSession").request
    assert (request.id, request.base_price_cents) == (4, 0)


async def test_an_overlapping_session_is_409_session_overlap(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    error = Conflict("overlaps", code="session_overlap")
    services.cinema.replies["CreateSession"] = rpc_error(error)
    assert_error(
        await api.post("/api/sessions", json=SESSION, headers=admin), 409, "session_overlap"
    )


@pytest.mark.parametrize(
    "change",
    [
        {"start_time": "2030-03-17T19:46:40"},
        {"start_time": 1_900_000_000},
        {"movie_id": "5"},
        {"hall_id": 0},
        {"base_price": 0},
        {"base_price": True},
        {"base_price": 10.001},
    ],
)
async def test_malformed_session_fields_are_422_before_any_service_call(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str], change: dict[str, Any]
) -> None:
    response = await api.post("/api/sessions", json=SESSION | change, headers=admin)
    assert_error(response, 422, "validation_error")
    assert services.cinema.calls == []


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_session_writes_by_a_user_are_403(
    api: httpx.AsyncClient, user: dict[str, str], method: str
) -> None:
    path = "/api/sessions" if method == "POST" else "/api/sessions/4"
    response = await api.request(method, path, json=SESSION, headers=user)
    assert_error(response, 403, "forbidden")


async def test_the_aggregate_of_a_session_whose_movie_is_gone_has_no_movie(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.cinema.replies["GetSession"] = a_session()
    services.cinema.replies["GetHall"] = a_hall()
    services.movies.replies["GetMovie"] = rpc_error(NotFound("gone", code="movie_not_found"))
    body = (await api.get("/api/sessions/4/aggregate")).json()
    assert body["movie"] is None
    assert body["hall"]["name"] == "Red Hall"
    assert body["session"]["id"] == 4


async def test_session_filters_reach_the_service(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.cinema.replies["ListSessions"] = cinema_pb2.ListSessionsResponse(
        items=[a_session()], total=1
    )
    services.booking.replies["SummarizeSessions"] = booking_pb2.SessionSummaries()
    params: dict[str, str | int] = {"movie_id": 5, "hall_id": 2, "date": "2030-03-17"}
    response = await api.get("/api/sessions", params=params)
    assert response.json()["total"] == 1
    request = services.cinema.last("ListSessions").request
    assert (request.movie_id, request.hall_id, request.date) == (5, 2, "2030-03-17")


@pytest.mark.parametrize("params", [{"date": "17.03.2030"}, {"movie_id": 0}, {"hall_id": "x"}])
async def test_bad_session_filters_are_422(api: httpx.AsyncClient, params: dict[str, Any]) -> None:
    assert_error(await api.get("/api/sessions", params=params), 422, "validation_error")


async def test_the_seat_map_shows_every_seat_with_price_status_and_version(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = booking_pb2.SeatMap(
        session_id=4,
        version=17,
        seats=[
            booking_pb2.SeatState(
                seat_id=11,
                row=1,
                number=4,
                type=cinema_pb2.SEAT_TYPE_VIP,
                price_cents=1875,
                status=booking_pb2.SEAT_STATUS_BOOKED,
            )
        ],
    )
    response = await api.get("/api/sessions/4/seats")
    assert response.headers["X-Seat-Map-Version"] == "17"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.json() == [
        {
            "seat_id": 11,
            "row": 1,
            "number": 4,
            "type": "vip",
            "price": 18.75,
            "status": "booked",
            "held_until": None,
        }
    ]


async def test_the_seat_map_of_an_unknown_session_is_404(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    error = NotFound("no such session", code="session_not_found")
    services.booking.replies["GetSeatMap"] = rpc_error(error)
    assert_error(await api.get("/api/sessions/4/seats"), 404, "session_not_found")


async def test_the_seat_map_while_booking_svc_is_down_is_503(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = failed_call(grpc.StatusCode.UNAVAILABLE)
    assert_error(await api.get("/api/sessions/4/seats"), 503, "service_unavailable")
