"""Domain values as protobuf messages, and cinema_svc's seating as domain values.

Enum numbers and labels come from svckit.vocabulary; the domain's statuses are its labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING

from google.protobuf.timestamp_pb2 import Timestamp

from booking_svc.availability import SessionSummary
from booking_svc.domain import Booking, SeatInfo, SeatMapState, SessionSeating
from booking_svc.ticket_codes import TicketSigner
from booking_svc.ticket_rules import Ticket
from booking_svc.waitlist.rules import Entry
from cinemapb.booking.v1 import booking_pb2, tickets_pb2
from cinemapb.cinema.v1 import cinema_pb2
from svckit.protoconv import from_timestamp, to_timestamp
from svckit.vocabulary import (
    BOOKING_SOURCE,
    BOOKING_STATUS,
    PAYMENT_STATUS,
    SEAT_STATUS,
    SEAT_TYPE,
    SESSION_STATUS,
    TICKET_STATUS,
    WAITLIST_STATUS,
)

if TYPE_CHECKING:
    from booking_svc.reports import BookedSeats, SalesRow, SessionFigures


def booked_seat_pb(seat: SeatInfo) -> booking_pb2.BookedSeat:
    return booking_pb2.BookedSeat(
        seat_id=seat.seat_id,
        row=seat.row,
        number=seat.number,
        type=SEAT_TYPE.number(seat.type),
        price_cents=seat.price_cents,
    )


def booking_pb(booking: Booking, max_extensions: int) -> booking_pb2.Booking:
    """The booking as its owner sees it, with how many more times its hold may be extended."""
    return booking_pb2.Booking(
        id=str(booking.id),
        user_id=booking.user_id,
        session_id=booking.session_id,
        seats=[booked_seat_pb(seat) for seat in booking.seats],
        total_price_cents=booking.total_price_cents,
        status=BOOKING_STATUS.number(booking.status),
        payment_status=PAYMENT_STATUS.number(booking.payment_status),
        created_at=to_timestamp(booking.created_at),
        expires_at=to_timestamp(booking.expires_at),
        updated_at=to_timestamp(booking.updated_at),
        reason=booking.reason,
        source=BOOKING_SOURCE.number(booking.source),
        extensions=booking.extensions,
        extensions_left=max(max_extensions - booking.extensions, 0),
        seat_map_version=booking.seat_map_version,
    )


def seat_map_pb(seating: SessionSeating, state: SeatMapState) -> booking_pb2.SeatMap:
    """The session's seats in hall order, each with its status, and the map's version."""
    seats = [
        booking_pb2.SeatState(
            seat_id=seat.seat_id,
            row=seat.row,
            number=seat.number,
            type=SEAT_TYPE.number(seat.type),
            price_cents=seat.price_cents,
            status=SEAT_STATUS.number(state.status_of(seat.seat_id)),
            held_until=held_until(state, seat.seat_id),
        )
        for seat in seating.ordered_seats()
    ]
    return booking_pb2.SeatMap(session_id=seating.session_id, seats=seats, version=state.version)


def held_until(state: SeatMapState, seat_id: int) -> Timestamp | None:
    """When a held seat frees; None (unset) for any other seat."""
    deadline = state.held_until.get(seat_id)
    return None if deadline is None else to_timestamp(deadline)


def waitlist_entry_pb(entry: Entry) -> booking_pb2.WaitlistEntry:
    return booking_pb2.WaitlistEntry(
        id=entry.id,
        user_id=entry.user_id,
        session_id=entry.session_id,
        count=entry.count,
        together=entry.together,
        status=WAITLIST_STATUS.number(entry.status),
        booking_id=str(entry.booking_id or ""),
        created_at=to_timestamp(entry.created_at),
        updated_at=to_timestamp(entry.updated_at),
        seat_map_version=entry.seat_map_version,
    )


def summaries_pb(summaries: Iterable[SessionSummary]) -> booking_pb2.SessionSummaries:
    return booking_pb2.SessionSummaries(
        items=[booking_pb2.SessionSummary(**asdict(summary)) for summary in summaries]
    )


def seating_from_pb(reply: cinema_pb2.SessionSeating) -> SessionSeating:
    session = reply.session
    seats = {
        seat.seat_id: SeatInfo(
            seat_id=seat.seat_id,
            row=seat.row,
            number=seat.number,
            type=SEAT_TYPE.label(seat.type),
            price_cents=seat.price_cents,
        )
        for seat in reply.seats
    }
    return SessionSeating(
        session_id=session.id,
        hall_id=session.hall_id,
        hall_name=reply.hall_name,
        starts_at=from_timestamp(session.start_time),
        ends_at=from_timestamp(session.end_time),
        status=SESSION_STATUS.label(session.status),
        seats=seats,
    )


def ticket_pb(ticket: Ticket, signer: TicketSigner) -> tickets_pb2.Ticket:
    """A ticket with its signed code."""
    reply = tickets_pb2.Ticket(
        id=str(ticket.id),
        booking_id=str(ticket.booking_id),
        session_id=ticket.session_id,
        seat=booked_seat_pb(ticket.seat),
        code=signer.code(ticket.id, ticket.session_id),
        status=TICKET_STATUS.number(ticket.status),
        checked_in_by=ticket.checked_in_by or 0,
        user_id=ticket.user_id,
    )
    if ticket.checked_in_at is not None:
        reply.checked_in_at.CopyFrom(to_timestamp(ticket.checked_in_at))
    return reply


def booked_seats_pb(booked: BookedSeats) -> booking_pb2.SessionLiveSeats:
    return booking_pb2.SessionLiveSeats(
        session_id=booked.session_id,
        starts_at=to_timestamp(booked.starts_at),
        seat_ids=booked.seat_ids,
    )


def session_report_pb(figures: SessionFigures) -> booking_pb2.SessionReport:
    return booking_pb2.SessionReport(
        session_id=figures.session_id,
        seats_total=figures.seats_total,
        sold=figures.sold,
        held=figures.held,
        free=figures.free,
        revenue_cents=figures.revenue_cents,
    )


def sales_row_pb(row: SalesRow) -> booking_pb2.SalesRow:
    message = booking_pb2.SalesRow(
        key=row.key,
        bookings=row.bookings,
        seats_sold=row.seats_sold,
        revenue_cents=row.revenue_cents,
        movie_id=row.movie_id,
    )
    if row.starts_at is not None:
        message.starts_at.CopyFrom(to_timestamp(row.starts_at))
    return message
