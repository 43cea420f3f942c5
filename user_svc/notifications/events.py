"""BookingEvent records (and the booking in a PaymentEvent) from Kafka into BookingNotices."""

from __future__ import annotations

import uuid
from datetime import datetime

from google.protobuf.message import DecodeError

from cinemapb.booking.v1 import booking_pb2
from cinemapb.events.v1 import events_pb2
from svckit.protoconv import from_timestamp
from svckit.vocabulary import CANCEL_REASON, SEAT_TYPE
from user_svc.notifications.messages import BookingNotice, Kind, Seat, TicketCode

REMINDER_IDS = uuid.UUID("5d6f3c1e-94a4-4f0e-9a53-2b1f1c7e0a41")
"""Namespace of the ids reminders are deduplicated on: one reminder per booking and deadline
(an extended hold gets one for its new deadline)."""


def decode_event(value: bytes | None) -> events_pb2.BookingEvent | None:
    """The BookingEvent in a record value, or None for a record that is not one."""
    try:
        event = events_pb2.BookingEvent.FromString(value or b"")
    except DecodeError:
        return None
    if not event.booking_id or event.user_id <= 0:
        return None
    return event


def decode_payment_event(value: bytes | None) -> events_pb2.BookingEvent | None:
    """The booking of the PaymentEvent in a record value, or None for a record that is not one."""
    try:
        event = events_pb2.PaymentEvent.FromString(value or b"")
    except DecodeError:
        return None
    return decode_event(event.booking.SerializeToString())


def event_id_of(event: events_pb2.BookingEvent, ce_id: str | None) -> uuid.UUID | None:
    """The id to deduplicate on: the CloudEvents ce_id header, else the payload's event_id."""
    try:
        return uuid.UUID(ce_id or event.event_id)
    except ValueError:
        return None


def reminder_id(booking_id: str, expires_at: datetime) -> uuid.UUID:
    return uuid.uuid5(REMINDER_IDS, f"{booking_id}@{expires_at.timestamp():.6f}")


def held_from_waitlist(event: events_pb2.BookingEvent) -> bool:
    """Whether a booking.created event is a hold the waiting list just made (not its
    extension): its owner is told at once."""
    return event.source == booking_pb2.BOOKING_SOURCE_WAITLIST and event.extensions == 0


def booking_notice(
    event: events_pb2.BookingEvent, kind: Kind, event_id: uuid.UUID
) -> BookingNotice:
    return BookingNotice(
        event_id=event_id,
        kind=kind,
        booking_id=event.booking_id,
        user_id=event.user_id,
        session_id=event.session_id,
        seats=tuple(
            Seat(seat.row, seat.number, SEAT_TYPE.label(seat.type)) for seat in event.seats
        ),
        total_price_cents=event.total_price_cents,
        expires_at=from_timestamp(event.expires_at) if event.HasField("expires_at") else None,
        reason=CANCEL_REASON.label(event.reason),
        tickets=tuple(
            TicketCode(
                Seat(ticket.seat.row, ticket.seat.number, SEAT_TYPE.label(ticket.seat.type)),
                ticket.code,
            )
            for ticket in event.tickets
        ),
    )
