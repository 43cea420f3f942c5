"""Tickets in process: listing, the QR image, the door's check-in and who may do what."""

from __future__ import annotations

import grpc
import httpx
import pytest

from cinemapb.booking.v1 import tickets_pb2
from gateway.settings import GatewaySettings
from svckit.errors import Conflict, InvalidArgument, NotFound, PermissionDenied
from svckit.identity import Caller
from svckit.qr import qr_svg
from tests.gateway.conftest import token_for
from tests.gateway.fakes import FakeClients, failed_call, rpc_error
from tests.gateway.helpers import a_hall, a_movie, a_session, a_ticket, assert_error

BOOKING_ID = "8d7f2b52-2a6e-4a3e-9a59-3f1f5c1b8b1e"
TICKET_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
CODE = "AF6J4ZTZOQSUBXUUJPQH7QPZBLTQAAAAAAAAAAAEWGSOMOSFY2XD25K4"


@pytest.fixture
def staff(settings: GatewaySettings) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(settings, Caller(30, 'staff'))}"}


def with_catalogue(services: FakeClients) -> None:
    services.cinema.replies["GetSession"] = a_session()
    services.cinema.replies["GetHall"] = a_hall()
    services.movies.replies["GetMovie"] = a_movie()


async def test_a_bookings_tickets_are_listed_with_their_codes(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    services.tickets.replies["ListTickets"] = tickets_pb2.ListTicketsResponse(items=[a_ticket()])
    response = await api.get(f"/api/bookings/{BOOKING_ID}/tickets", headers=user)
    assert response.status_code == 200
    assert response.json() == [
        {
            "ticket_id": TICKET_ID,
            "booking_id": BOOKING_ID,
            "session_id": 4,
            "seat": {"seat_id": 11, "row": 1, "number": 4, "type": "vip", "price": 18.75},
            "code": CODE,
            "status": "valid",
            "checked_in_at": None,
            "checked_in_by": None,
        }
    ]
    call = services.tickets.last("ListTickets")
    assert call.request.booking_id == BOOKING_ID
    assert call.metadata["authorization"] == user["Authorization"]


async def test_tickets_need_a_token_and_someone_elses_booking_is_404(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    assert_error(await api.get(f"/api/bookings/{BOOKING_ID}/tickets"), 401, "unauthenticated")
    assert_error(await api.get(f"/api/tickets/{TICKET_ID}/qr.svg"), 401, "unauthenticated")
    assert not services.tickets.calls
    services.tickets.replies["ListTickets"] = rpc_error(
        NotFound("no such booking", code="booking_not_found")
    )
    response = await api.get(f"/api/bookings/{BOOKING_ID}/tickets", headers=user)
    assert_error(response, 404, "booking_not_found")


async def test_the_qr_image_is_an_svg_of_the_code(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    services.tickets.replies["GetTicket"] = a_ticket()
    response = await api.get(f"/api/tickets/{TICKET_ID}/qr.svg", headers=user)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.content == qr_svg(CODE, "Ticket: row 1, seat 4")
    assert response.content.startswith(b"<svg")
    assert services.tickets.last("GetTicket").request.id == TICKET_ID
    services.tickets.replies["GetTicket"] = rpc_error(
        NotFound("no such ticket", code="ticket_not_found")
    )
    response = await api.get(f"/api/tickets/{TICKET_ID}/qr.svg", headers=user)
    assert_error(response, 404, "ticket_not_found")


async def test_a_check_in_answers_the_ticket_with_its_session_and_movie(
    api: httpx.AsyncClient, services: FakeClients, staff: dict[str, str]
) -> None:
    services.tickets.replies["CheckIn"] = a_ticket(used=True)
    with_catalogue(services)
    response = await api.post(
        "/api/tickets/check-in", params={"session_id": 4}, json={"code": CODE}, headers=staff
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "ticket_id": TICKET_ID,
        "booking_id": BOOKING_ID,
        "seat": {"seat_id": 11, "row": 1, "number": 4, "type": "vip", "price": 18.75},
        "session": {
            "id": 4,
            "start_time": "2030-03-17T17:46:40Z",
            "end_time": "2030-03-17T19:46:40Z",
            "hall": {"id": 2, "number": 12, "name": "Red Hall"},
        },
        "movie": {"id": 5, "title": "Arrival"},
        "checked_in_at": "2030-03-17T17:46:40Z",
        "checked_in_by": 30,
    }
    call = services.tickets.last("CheckIn")
    assert (call.request.code, call.request.session_id) == (CODE, 4)
    assert call.metadata["authorization"] == staff["Authorization"]


async def test_a_check_in_stands_when_the_catalogue_cannot_describe_the_session(
    api: httpx.AsyncClient, services: FakeClients, staff: dict[str, str]
) -> None:
    services.tickets.replies["CheckIn"] = a_ticket(used=True)
    services.cinema.replies["GetSession"] = failed_call(grpc.StatusCode.UNAVAILABLE)
    response = await api.post("/api/tickets/check-in", json={"code": CODE}, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["session"] == {
        "id": 4,
        "start_time": None,
        "end_time": None,
        "hall": None,
    }
    assert response.json()["movie"] is None
    assert services.tickets.last("CheckIn").request.session_id == 0


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (InvalidArgument("not a ticket", code="invalid_ticket"), 422),
        (Conflict("void", code="ticket_void"), 409),
        (Conflict("other session", code="wrong_session", details={"ticket_session_id": 9}), 409),
        (
            Conflict(
                "already",
                code="already_checked_in",
                details={"checked_in_at": "2030-03-17T17:46:40+00:00", "checked_in_by": 30},
            ),
            409,
        ),
        (PermissionDenied("staff role required"), 403),
    ],
)
async def test_refused_check_ins_keep_their_code_and_details(
    api: httpx.AsyncClient,
    services: FakeClients,
    user: dict[str, str],
    error: InvalidArgument | Conflict,
    status: int,
) -> None:
    services.tickets.replies["CheckIn"] = rpc_error(error)
    response = await api.post("/api/tickets/check-in", json={"code": CODE}, headers=user)
    assert_error(response, status, error.code)
    assert {k: response.json()[k] for k in error.details} == error.details


@pytest.mark.parametrize(
    ("body", "params"),
    [({"code": ""}, {}), ({}, {}), ({"code": "A\nB"}, {}), ({"code": CODE}, {"session_id": 0})],
)
async def test_a_malformed_check_in_is_422_before_any_call(
    api: httpx.AsyncClient,
    services: FakeClients,
    staff: dict[str, str],
    body: dict[str, str],
    params: dict[str, int],
) -> None:
    response = await api.post("/api/tickets/check-in", json=body, params=params, headers=staff)
    assert_error(response, 422, "validation_error")
    assert not services.tickets.calls


async def test_an_anonymous_check_in_is_401_before_any_call(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    response = await api.post("/api/tickets/check-in", json={"code": CODE})
    assert_error(response, 401, "unauthenticated")
    assert not services.tickets.calls


async def test_the_door_page_is_served_with_the_camera_allowed(api: httpx.AsyncClient) -> None:
    response = await api.get("/door")
    assert response.status_code == 200
    assert response.headers["permissions-policy"] == "camera=(self)"
    assert "default-src 'self'" in response.headers["content-security-policy"]
