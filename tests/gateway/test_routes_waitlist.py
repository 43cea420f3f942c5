"""Hold extension, held seats' deadlines and the waiting list, in process."""

from __future__ import annotations

import httpx
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from svckit.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from tests.gateway.fakes import FakeClients, rpc_error
from tests.gateway.helpers import a_booking, a_waitlist_entry, assert_error

BOOKING_ID = "8d7f2b52-2a6e-4a3e-9a59-3f1f5c1b8b1e"


async def test_an_extension_answers_the_booking_with_its_new_deadline(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    extended = a_booking()
    extended.expires_at.CopyFrom(Timestamp(seconds=1_900_007_500))
    services.booking.replies["ExtendBooking"] = extended
    response = await api.post(f"/api/bookings/{BOOKING_ID}/extend", headers=user)
    assert response.status_code == 200
    assert response.json()["expires_at"] == "2030-03-17T19:51:40Z"
    assert response.json()["extensions_left"] == 0
    call = services.booking.last("ExtendBooking")
    assert call.request.id == BOOKING_ID
    assert call.metadata["authorization"] == user["Authorization"]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Conflict("limit", code="extension_limit", details={"max_extensions": 1}), 409),
        (Conflict("paid", code="not_pending"), 409),
        (Conflict("late", code="hold_expired"), 409),
        (NotFound("nope", code="booking_not_found"), 404),
    ],
)
async def test_a_refused_extension_says_why(
    api: httpx.AsyncClient,
    services: FakeClients,
    user: dict[str, str],
    error: Conflict | NotFound,
    status: int,
) -> None:
    services.booking.replies["ExtendBooking"] = rpc_error(error)
    response = await api.post(f"/api/bookings/{BOOKING_ID}/extend", headers=user)
    assert_error(response, status, error.code)


async def test_extending_needs_a_signed_in_caller(api: httpx.AsyncClient) -> None:
    assert_error(await api.post(f"/api/bookings/{BOOKING_ID}/extend"), 401)


async def test_held_seats_say_until_when_and_nothing_about_who(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = booking_pb2.SeatMap(
        session_id=4,
        version=3,
        seats=[
            booking_pb2.SeatState(
                seat_id=11,
                row=1,
                number=4,
                type=cinema_pb2.SEAT_TYPE_STANDARD,
                price_cents=1000,
                status=booking_pb2.SEAT_STATUS_HELD,
                held_until=Timestamp(seconds=1_900_000_000),
            ),
            booking_pb2.SeatState(
                seat_id=12, row=1, number=5, price_cents=1000, status=booking_pb2.SEAT_STATUS_FREE
            ),
        ],
    )
    seats = (await api.get("/api/sessions/4/seats")).json()
    assert [seat["held_until"] for seat in seats] == ["2030-03-17T17:46:40Z", None]
    assert all(set(seat) == set(seats[0]) for seat in seats)
    assert not {"user_id", "booking_id"} & set(seats[0])


async def test_joining_a_waiting_list_is_201_with_the_entry(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    services.booking.replies["JoinWaitlist"] = a_waitlist_entry()
    response = await api.post(
        "/api/sessions/4/waitlist", json={"count": 2, "together": True}, headers=user
    )
    assert response.status_code == 201
    assert response.json() == {
        "id": 5,
        "user_id": 7,
        "session_id": 4,
        "count": 2,
        "together": True,
        "status": "waiting",
        "booking_id": None,
        "created_at": "2030-03-17T17:46:40Z",
        "updated_at": "2030-03-17T17:46:40Z",
    }
    request = services.booking.last("JoinWaitlist").request
    assert (request.session_id, request.count, request.together) == (4, 2, True)


@pytest.mark.parametrize("body", [{"count": 0}, {"count": "two"}, {}, {"count": 2, "together": 3}])
async def test_a_waiting_list_request_without_a_sane_count_is_422(
    api: httpx.AsyncClient, user: dict[str, str], body: dict[str, object]
) -> None:
    response = await api.post("/api/sessions/4/waitlist", json=body, headers=user)
    assert_error(response, 422)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (AlreadyExists("again", code="waitlist_exists"), 409),
        (InvalidArgument("many", code="invalid_seat_count"), 422),
        (Conflict("late", code="session_started"), 409),
    ],
)
async def test_a_refused_waiting_list_request_says_why(
    api: httpx.AsyncClient,
    services: FakeClients,
    user: dict[str, str],
    error: AlreadyExists | InvalidArgument | Conflict,
    status: int,
) -> None:
    services.booking.replies["JoinWaitlist"] = rpc_error(error)
    response = await api.post("/api/sessions/4/waitlist", json={"count": 2}, headers=user)
    assert_error(response, status, error.code)


async def test_my_waiting_list_and_leaving_it(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    served = a_waitlist_entry(booking_pb2.WAITLIST_STATUS_SERVED)
    served.booking_id = BOOKING_ID
    services.booking.replies["ListMyWaitlist"] = booking_pb2.ListMyWaitlistResponse(items=[served])
    listed = (await api.get("/api/me/waitlist", headers=user)).json()
    assert [(e["status"], e["booking_id"]) for e in listed] == [("served", BOOKING_ID)]
    services.booking.replies["LeaveWaitlist"] = a_waitlist_entry(
        booking_pb2.WAITLIST_STATUS_CANCELLED
    )
    response = await api.delete("/api/waitlist/5", headers=user)
    assert response.status_code == 204
    assert services.booking.last("LeaveWaitlist").request.id == 5
    services.booking.replies["LeaveWaitlist"] = rpc_error(
        Conflict("done", code="waitlist_entry_not_waiting")
    )
    assert_error(await api.delete("/api/waitlist/5", headers=user), 409)


async def test_the_waiting_list_needs_a_signed_in_caller(api: httpx.AsyncClient) -> None:
    assert_error(await api.post("/api/sessions/4/waitlist", json={"count": 1}), 401)
    assert_error(await api.get("/api/me/waitlist"), 401)
    assert_error(await api.delete("/api/waitlist/5"), 401)
