"""Tickets: a booking's tickets, a ticket's QR image, and the door's check-in.

booking_svc decides who sees what: a booking's tickets are its owner's and admins'; one ticket
(its QR image) also staff's; check-in is for staff and admins.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

import grpc
from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, StringConstraints

from cinemapb.booking.v1 import tickets_pb2
from gateway.cache import CatalogueCache
from gateway.clients import ServiceClients
from gateway.convert import ticket_out
from gateway.deps import AsAnyone, AsUser, Cache, Clients, Metadata
from gateway.errors import ApiError
from gateway.openapi import error_responses
from gateway.routes.sessions import session_aggregate
from gateway.schemas import MAX_ID, BookedSeatOut, BookingId, Text, TicketOut
from svckit.qr import qr_svg

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["tickets"])

TicketId = Annotated[Text, StringConstraints(max_length=64)]
SVG_HEADERS = {"Cache-Control": "private, no-cache"}
CHECK_IN_REFUSALS = (
    "unauthenticated",
    "forbidden",
    "invalid_ticket",
    "ticket_not_found",
    "ticket_void",
    "already_checked_in",
    "wrong_session",
    "session_finished",
)


class CheckInRequest(BaseModel):
    code: Text = Field(
        min_length=1,
        max_length=200,
        description="the ticket's code as scanned or typed (spaces, dashes, case do not matter)",
        examples=["AF6J4ZTZOQSUBXUUJPQH7QPZBLTQAAAAAAAAAAAEWGSOMOSFY2XD25K4"],
    )


class HallBrief(BaseModel):
    id: int
    number: int
    name: str


class SessionBrief(BaseModel):
    id: int
    start_time: datetime | None
    end_time: datetime | None
    hall: HallBrief | None


class MovieBrief(BaseModel):
    id: int
    title: str


class CheckInOut(BaseModel):
    ticket_id: str
    booking_id: str
    seat: BookedSeatOut
    session: SessionBrief
    movie: MovieBrief | None = Field(description="null when the catalogue could not be read")
    checked_in_at: datetime
    checked_in_by: int = Field(description="the staff member's user id")


async def session_brief(
    session_id: int, clients: ServiceClients, cache: CatalogueCache, metadata: Metadata
) -> tuple[SessionBrief, MovieBrief | None]:
    """What the door shows of a session: its times, hall and movie. The ticket is checked in
    already, so a catalogue that cannot answer leaves only the session id, never an error."""
    try:
        found = await session_aggregate(session_id, clients, cache, metadata)
    except (grpc.aio.AioRpcError, ApiError) as error:
        log.warning("session %d not described after a check-in: %s", session_id, error)
        return SessionBrief(id=session_id, start_time=None, end_time=None, hall=None), None
    session, movie, hall = found["session"], found["movie"], found["hall"]
    brief = SessionBrief(
        id=session_id,
        start_time=session["start_time"],
        end_time=session["end_time"],
        hall=HallBrief(id=hall["id"], number=hall["number"], name=hall["name"]),
    )
    return brief, None if movie is None else MovieBrief(id=movie["id"], title=movie["title"])


@router.get(
    "/bookings/{booking_id}/tickets",
    response_model=list[TicketOut],
    summary="The tickets of your booking (an admin: anyone's): one per seat once it is paid",
    description="A booking that is not confirmed has none; a cancelled one's are `void`.",
    responses=error_responses("unauthenticated", "booking_not_found"),
)
async def booking_tickets(
    booking_id: BookingId, metadata: AsUser, clients: Clients
) -> list[TicketOut]:
    reply = await clients.tickets.ListTickets(
        tickets_pb2.ListTicketsRequest(booking_id=booking_id), metadata=metadata
    )
    return [ticket_out(ticket) for ticket in reply.items]


@router.get(
    "/tickets/{ticket_id}/qr.svg",
    response_class=Response,
    summary="A ticket's code as a QR image (SVG): yours, or any for staff and admins",
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "the QR image"},
        **error_responses("unauthenticated", "ticket_not_found"),
    },
)
async def ticket_qr(ticket_id: TicketId, metadata: AsUser, clients: Clients) -> Response:
    ticket = await clients.tickets.GetTicket(
        tickets_pb2.GetTicketRequest(id=ticket_id), metadata=metadata
    )
    title = f"Ticket: row {ticket.seat.row}, seat {ticket.seat.number}"
    return Response(qr_svg(ticket.code, title), media_type="image/svg+xml", headers=SVG_HEADERS)


@router.post(
    "/tickets/check-in",
    response_model=CheckInOut,
    summary="Admit a ticket at the door (staff, admin): once",
    description=(
        "The first check-in of a valid ticket answers 200; every later one 409 "
        "`already_checked_in` with when and by whom. With `session_id`, a ticket of another "
        "session is 409 `wrong_session`. Of concurrent check-ins of one code exactly one "
        "answers 200."
    ),
    responses=error_responses(*CHECK_IN_REFUSALS),
)
async def check_in(
    body: CheckInRequest,
    metadata: AsUser,
    clients: Clients,
    cache: Cache,
    anyone: AsAnyone,
    session_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="the session this door admits to")
    ] = None,
) -> CheckInOut:
    request = tickets_pb2.CheckInRequest(code=body.code, session_id=session_id or 0)
    ticket = ticket_out(await clients.tickets.CheckIn(request, metadata=metadata))
    assert ticket.checked_in_at is not None
    assert ticket.checked_in_by is not None
    session, movie = await session_brief(ticket.session_id, clients, cache, anyone)
    return CheckInOut(
        ticket_id=ticket.ticket_id,
        booking_id=ticket.booking_id,
        seat=ticket.seat,
        session=session,
        movie=movie,
        checked_in_at=ticket.checked_in_at,
        checked_in_by=ticket.checked_in_by,
    )
