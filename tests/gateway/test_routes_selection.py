"""Seat selection in process: best seats, holding the best seats, giving back some seats."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from svckit.errors import Conflict, InvalidArgument
from tests.gateway.fakes import FakeClients, rpc_error
from tests.gateway.helpers import a_booking, assert_error

BOOKING_ID = "8d7f2b52-2a6e-4a3e-9a59-3f1f5c1b8b1e"


async def test_best_seats_answers_the_seats_row_and_total_for_anyone(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetBestSeats"] = booking_pb2.BestSeats(
        seat_ids=[15, 16], row=6, total_price_cents=2450
    )
    response = await api.get("/api/sessions/3/best-seats?count=2&type=vip&accessible=true")
    assert response.status_code == 200
    assert response.json() == {"seat_ids": [15, 16], "row": 6, "total_price": 24.5}
    request = services.booking.last("GetBestSeats").request
    assert (request.session_id, request.wish.count) == (3, 2)
    assert (request.wish.type, request.wish.accessible) == (cinema_pb2.SEAT_TYPE_VIP, True)


async def test_no_adjacent_seats_is_409_with_the_suggested_split(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    split = [{"seat_ids": [1, 2], "row": 1, "total_price": 20.0}]
    services.booking.replies["GetBestSeats"] = rpc_error(
        Conflict("none together", code="no_adjacent_seats", details={"suggestion": split})
    )
    response = await api.get("/api/sessions/3/best-seats?count=4")
    assert_error(response, 409, "no_adjacent_seats")
    assert response.json()["suggestion"] == split


@pytest.mark.parametrize(
    "query", ["", "count=0", "count=2&type=wheelchair", "count=2&type=companion", "count=x"]
)
async def test_best_seats_asks_for_a_count_and_a_standard_or_vip_type(
    api: httpx.AsyncClient, services: FakeClients, query: str
) -> None:
    response = await api.get(f"/api/sessions/3/best-seats?{query}")
    assert_error(response, 422, "validation_error")
    assert services.booking.calls == []


async def test_a_best_available_hold_passes_the_party_instead_of_seats(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    services.booking.replies["CreateBooking"] = a_booking()
    body = {"session_id": 4, "best_available": {"count": 3, "type": "standard"}}
    response = await api.post("/api/bookings", json=body, headers=user)
    assert response.status_code == 201
    request = services.booking.last("CreateBooking").request
    assert list(request.seat_ids) == []
    assert (request.best_available.count, request.best_available.type) == (
        3,
        cinema_pb2.SEAT_TYPE_STANDARD,
    )


@pytest.mark.parametrize(
    "body",
    [
        {"session_id": 4, "seats_id": [1], "best_available": {"count": 1}},
        {"session_id": 4, "best_available": {"count": 0}},
        {"session_id": 4, "best_available": {}},
    ],
)
async def test_seats_and_best_available_do_not_mix(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str], body: dict[str, Any]
) -> None:
    response = await api.post("/api/bookings", json=body, headers=user)
    assert_error(response, 422, "validation_error")
    assert services.booking.calls == []


async def test_an_orphan_refusal_names_the_stranded_seat(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    details = {"seat_id": 9, "row": 2, "number": 1, "stranded": []}
    services.booking.replies["CreateBooking"] = rpc_error(
        InvalidArgument("row 2, seat 1 alone", code="orphan_seat", details=details)
    )
    response = await api.post(
        "/api/bookings", json={"session_id": 4, "seats_id": [10]}, headers=user
    )
    assert_error(response, 422, "orphan_seat")
    assert response.json()["seat_id"] == 9


async def test_cancel_with_seat_ids_gives_back_only_those_and_without_a_body_everything(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    services.booking.replies["CancelBooking"] = a_booking()
    url = f"/api/bookings/{BOOKING_ID}/cancel"
    response = await api.post(url, json={"seat_ids": [11]}, headers=user | {"Idempotency-Key": "c"})
    assert response.status_code == 200
    request = services.booking.last("CancelBooking").request
    assert (list(request.seat_ids), request.idempotency_key) == ([11], "c")
    assert (await api.post(url, headers=user)).status_code == 200
    assert list(services.booking.last("CancelBooking").request.seat_ids) == []
    response = await api.post(url, json={"seat_ids": []}, headers=user)
    assert_error(response, 422, "validation_error")
