"""Bookings in process: the caller's identity, request mapping, conflicts and validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cinemapb.booking.v1 import booking_pb2
from svckit.errors import Conflict, NotFound
from tests.gateway.fakes import FakeClients, rpc_error
from tests.gateway.helpers import a_booking, assert_error

BOOKING_ID = "8d7f2b52-2a6e-4a3e-9a59-3f1f5c1b8b1e"


async def test_a_hold_is_made_for_the_caller_and_answered_as_the_pending_booking(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    services.booking.replies["CreateBooking"] = a_booking()
    body = {"session_id": 4, "seats_id": [11], "user_id": 999}
    response = await api.post("/api/bookings", json=body, headers=user | {"Idempotency-Key": "k"})
    assert response.status_code == 201
    assert response.json() == {
        "id": BOOKING_ID,
        "user_id": 7,
        "session_id": 4,
        "status": "pending",
        "payment_status": "pending",
        "seats": [{"seat_id": 11, "row": 1, "number": 4, "type": "vip", "price": 18.75}],
        "total_price": 18.75,
        "currency": "EUR",
        "reason": None,
        "created_at": "2030-03-17T17:46:40Z",
        "updated_at": "2030-03-17T17:46:40Z",
        "expires_at": "2030-03-17T19:46:40Z",
        "source": "direct",
        "extensions_left": 0,
    }
    call = services.booking.last("CreateBooking")
    assert (call.request.session_id, list(call.request.seat_ids)) == (4, [11])
    assert call.request.idempotency_key == "k"
    assert call.metadata["authorization"] == user["Authorization"]


async def test_taken_seats_are_409_naming_them(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    error = Conflict("seats taken", code="seats_taken", details={"seat_ids": [11]})
    services.booking.replies["CreateBooking"] = rpc_error(error)
    response = await api.post(
        "/api/bookings", json={"session_id": 4, "seats_id": [11]}, headers=user
    )
    assert_error(response, 409, "seats_taken")
    assert response.json()["seat_ids"] == [11]


@pytest.mark.parametrize(
    ("path", "mine_only"), [("/api/bookings", False), ("/api/me/bookings", True)]
)
async def test_bookings_are_listed_with_or_without_everyone_elses(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str], path: str, mine_only: bool
) -> None:
    services.booking.replies["ListBookings"] = booking_pb2.ListBookingsResponse(
        items=[a_booking()], total=1
    )
    response = await api.get(path, headers=user, params={"page_size": 5})
    assert (response.json()["total"], response.json()["page_size"]) == (1, 5)
    assert services.booking.last("ListBookings").request.mine_only is mine_only


@pytest.mark.parametrize("action", ["confirm", "cancel"])
async def test_an_action_on_a_booking_that_is_not_yours_is_404(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str], action: str
) -> None:
    error = rpc_error(NotFound("no such booking", code="booking_not_found"))
    services.booking.replies["ConfirmBooking"] = services.booking.replies["CancelBooking"] = error
    response = await api.post(f"/api/bookings/{BOOKING_ID}/{action}", headers=user)
    assert_error(response, 404, "booking_not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/bookings"),
        ("GET", "/api/bookings"),
        ("GET", "/api/me/bookings"),
        ("GET", f"/api/bookings/{BOOKING_ID}"),
        ("POST", f"/api/bookings/{BOOKING_ID}/confirm"),
        ("POST", f"/api/bookings/{BOOKING_ID}/cancel"),
    ],
)
async def test_booking_routes_without_a_token_are_401(
    api: httpx.AsyncClient, services: FakeClients, method: str, path: str
) -> None:
    response = await api.request(method, path, json={"session_id": 4, "seats_id": [1]})
    assert_error(response, 401, "unauthenticated")
    assert services.booking.calls == []


async def test_a_tampered_token_is_401_invalid_token(
    api: httpx.AsyncClient, user: dict[str, str]
) -> None:
    tampered = {"Authorization": user["Authorization"][:-2] + "xx"}
    assert_error(await api.get("/api/bookings", headers=tampered), 401, "invalid_token")


async def test_an_idempotency_key_longer_than_255_characters_is_422(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    headers = user | {"Idempotency-Key": "k" * 256}
    response = await api.post(
        "/api/bookings", json={"session_id": 4, "seats_id": [1]}, headers=headers
    )
    assert_error(response, 422, "validation_error")
    assert services.booking.calls == []


@pytest.mark.parametrize("seats", [[0], [2**63], list(range(1, 102)), ["x"]])
async def test_seat_ids_out_of_range_or_too_many_are_422(
    api: httpx.AsyncClient, user: dict[str, str], seats: list[Any]
) -> None:
    response = await api.post(
        "/api/bookings", json={"session_id": 4, "seats_id": seats}, headers=user
    )
    assert_error(response, 422, "validation_error")


# Moved from tests/e2e/test_bookings.py: the gateway answers these without asking a service.


@pytest.mark.parametrize("body", [{}, {"seats_id": [1]}, {"session_id": 1}, {"session_id": "x"}])
async def test_malformed_bodies_are_422(
    api: httpx.AsyncClient, user: dict[str, str], body: dict[str, Any]
) -> None:
    assert_error(await api.post("/api/bookings", json=body, headers=user), 422)
