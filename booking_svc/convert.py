"""Domain values as protobuf messages and enum numbers, and back."""

from __future__ import annotations

from booking_svc.domain import Booking, Payment, SeatInfo, Status
from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from svckit.protoconv import to_timestamp

SEAT_TYPES: dict[str, cinema_pb2.SeatType.ValueType] = {
    "standard": cinema_pb2.SEAT_TYPE_STANDARD,
    "vip": cinema_pb2.SEAT_TYPE_VIP,
    "wheelchair": cinema_pb2.SEAT_TYPE_WHEELCHAIR,
}
SEAT_TYPE_LABELS: dict[int, str] = {number: label for label, number in SEAT_TYPES.items()}

SESSION_STATUS_LABELS: dict[int, str] = {
    cinema_pb2.SESSION_STATUS_SCHEDULED: "scheduled",
    cinema_pb2.SESSION_STATUS_ONGOING: "ongoing",
    cinema_pb2.SESSION_STATUS_FINISHED: "finished",
    cinema_pb2.SESSION_STATUS_CANCELLED: "cancelled",
}

BOOKING_STATUSES: dict[Status, booking_pb2.BookingStatus.ValueType] = {
    Status.PENDING: booking_pb2.BOOKING_STATUS_PENDING,
    Status.CONFIRMED: booking_pb2.BOOKING_STATUS_CONFIRMED,
    Status.FINISHED: booking_pb2.BOOKING_STATUS_FINISHED,
    Status.EXPIRED: booking_pb2.BOOKING_STATUS_EXPIRED,
    Status.CANCELLED: booking_pb2.BOOKING_STATUS_CANCELLED,
}

PAYMENT_STATUSES: dict[Payment, booking_pb2.PaymentStatus.ValueType] = {
    Payment.PENDING: booking_pb2.PAYMENT_STATUS_PENDING,
    Payment.PAID: booking_pb2.PAYMENT_STATUS_PAID,
    Payment.REFUNDED: booking_pb2.PAYMENT_STATUS_REFUNDED,
    Payment.VOID: booking_pb2.PAYMENT_STATUS_VOID,
}

SEAT_STATUSES: dict[str, booking_pb2.SeatStatus.ValueType] = {
    "free": booking_pb2.SEAT_STATUS_FREE,
    "held": booking_pb2.SEAT_STATUS_HELD,
    "booked": booking_pb2.SEAT_STATUS_BOOKED,
}


def seat_type_label(number: int) -> str:
    """A seat type number as its label; an unset type is a standard seat."""
    return SEAT_TYPE_LABELS.get(number, "standard")


def session_status_label(number: int) -> str:
    return SESSION_STATUS_LABELS.get(number, "scheduled")


def booked_seat_pb(seat: SeatInfo) -> booking_pb2.BookedSeat:
    return booking_pb2.BookedSeat(
        seat_id=seat.seat_id,
        row=seat.row,
        number=seat.number,
        type=SEAT_TYPES.get(seat.type, cinema_pb2.SEAT_TYPE_UNSPECIFIED),
        price_cents=seat.price_cents,
    )


def booking_pb(booking: Booking) -> booking_pb2.Booking:
    return booking_pb2.Booking(
        id=str(booking.id),
        user_id=booking.user_id,
        session_id=booking.session_id,
        seats=[booked_seat_pb(seat) for seat in booking.seats],
        total_price_cents=booking.total_price_cents,
        status=BOOKING_STATUSES[booking.status],
        payment_status=PAYMENT_STATUSES[booking.payment_status],
        created_at=to_timestamp(booking.created_at),
        expires_at=to_timestamp(booking.expires_at),
        updated_at=to_timestamp(booking.updated_at),
        reason=booking.reason,
    )
