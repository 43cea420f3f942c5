"""Bookings: hold seats, pay, cancel, and list them. booking_svc decides who sees what."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Request
from pydantic import BaseModel, Field

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from gateway.deps import Clients, CurrentUser, Page, grpc_metadata
from gateway.schemas import ErrorBody, Paginated
from svckit.protoconv import from_timestamp

router = APIRouter(prefix="/api", tags=["bookings"])

MAX_ID = 2**63 - 1
SeatType = Literal["standard", "vip", "wheelchair"]
BookingStatus = Literal["pending", "confirmed", "finished", "expired", "cancelled"]
PaymentStatus = Literal["pending", "paid", "refunded", "void"]

SEAT_TYPES: dict[int, SeatType] = {
    cinema_pb2.SEAT_TYPE_STANDARD: "standard",
    cinema_pb2.SEAT_TYPE_VIP: "vip",
    cinema_pb2.SEAT_TYPE_WHEELCHAIR: "wheelchair",
}
BOOKING_STATUSES: dict[int, BookingStatus] = {
    booking_pb2.BOOKING_STATUS_PENDING: "pending",
    booking_pb2.BOOKING_STATUS_CONFIRMED: "confirmed",
    booking_pb2.BOOKING_STATUS_FINISHED: "finished",
    booking_pb2.BOOKING_STATUS_EXPIRED: "expired",
    booking_pb2.BOOKING_STATUS_CANCELLED: "cancelled",
}
PAYMENT_STATUSES: dict[int, PaymentStatus] = {
    booking_pb2.PAYMENT_STATUS_PENDING: "pending",
    booking_pb2.PAYMENT_STATUS_PAID: "paid",
    booking_pb2.PAYMENT_STATUS_REFUNDED: "refunded",
    booking_pb2.PAYMENT_STATUS_VOID: "void",
}

UNAUTHENTICATED: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody, "description": "No valid access token"}
}
NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "No such booking, or not yours (booking_not_found)"}
}

BookingId = Annotated[str, Path(description="the booking's id (a UUID)")]


def money(cents: int) -> float:
    """Minor units (cents) as a JSON number in currency units."""
    return cents / 100


class BookingRequest(BaseModel):
    """Seats to hold in one session. The booking is the caller's: a `user_id` here is ignored."""

    session_id: int = Field(ge=1, le=MAX_ID, examples=[1])
    seats_id: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        max_length=100,
        description="ids of the seats to hold, at most BOOKING_MAX_SEATS (default 4)",
        examples=[[12, 13]],
    )


class BookedSeatOut(BaseModel):
    seat_id: int
    row: int
    number: int
    type: SeatType
    price: float = Field(description="what this seat costs in this booking")


class BookingOut(BaseModel):
    id: str
    user_id: int
    session_id: int
    status: BookingStatus
    payment_status: PaymentStatus
    seats: list[BookedSeatOut]
    total_price: float
    reason: str | None = Field(description="why it was cancelled or expired; null otherwise")
    created_at: datetime
    updated_at: datetime
    expires_at: datetime = Field(description="when an unpaid hold releases its seats")


def booking_out(booking: booking_pb2.Booking) -> BookingOut:
    return BookingOut(
        id=booking.id,
        user_id=booking.user_id,
        session_id=booking.session_id,
        status=BOOKING_STATUSES[booking.status],
        payment_status=PAYMENT_STATUSES[booking.payment_status],
        seats=[
            BookedSeatOut(
                seat_id=seat.seat_id,
                row=seat.row,
                number=seat.number,
                type=SEAT_TYPES.get(seat.type, "standard"),
                price=money(seat.price_cents),
            )
            for seat in booking.seats
        ],
        total_price=money(booking.total_price_cents),
        reason=booking.reason or None,
        created_at=from_timestamp(booking.created_at),
        updated_at=from_timestamp(booking.updated_at),
        expires_at=from_timestamp(booking.expires_at),
    )


async def list_page(
    clients: Clients,
    caller: CurrentUser,
    page: Page,
    request: Request,
    *,
    mine_only: bool,
) -> Paginated[BookingOut]:
    reply = await clients.booking.ListBookings(
        booking_pb2.ListBookingsRequest(
            page=page.page, page_size=page.page_size, mine_only=mine_only
        ),
        metadata=grpc_metadata(caller, request),
    )
    return Paginated[BookingOut](
        items=[booking_out(b) for b in reply.items],
        total=reply.total,
        page=page.page,
        page_size=page.page_size,
    )


@router.post(
    "/bookings",
    status_code=201,
    response_model=BookingOut,
    summary="Hold seats of a session for the caller until the hold expires",
    description=(
        "Answers 201 with the pending booking. With an `Idempotency-Key` header, a retry with "
        "the same key and body answers 201 with the same booking (kept 24 h); the same key with "
        "another body is 422 `idempotency_key_reused`."
    ),
    responses={
        **UNAUTHENTICATED,
        404: {"model": ErrorBody, "description": "Unknown session (session_not_found)"},
        409: {
            "model": ErrorBody,
            "description": "Seats taken (seats_taken, with `seat_ids`), or the session has "
            "started (session_started) or is cancelled (session_cancelled)",
        },
        422: {
            "model": ErrorBody,
            "description": "No seats, duplicates, too many, or seats not in the session's hall "
            "(seat_not_in_hall, with `seat_ids`)",
        },
    },
)
async def create_booking(
    body: BookingRequest,
    caller: CurrentUser,
    clients: Clients,
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(max_length=255, description="makes retries safe: same key, same booking"),
    ] = None,
) -> BookingOut:
    booking = await clients.booking.CreateBooking(
        booking_pb2.CreateBookingRequest(
            session_id=body.session_id,
            seat_ids=body.seats_id,
            idempotency_key=idempotency_key or "",
        ),
        metadata=grpc_metadata(caller, request),
    )
    return booking_out(booking)


@router.get(
    "/bookings",
    response_model=Paginated[BookingOut],
    summary="Your bookings, newest first (an admin sees everyone's)",
    responses=UNAUTHENTICATED,
)
async def list_bookings(
    caller: CurrentUser, clients: Clients, page: Page, request: Request
) -> Paginated[BookingOut]:
    return await list_page(clients, caller, page, request, mine_only=False)


@router.get(
    "/me/bookings",
    response_model=Paginated[BookingOut],
    summary="Your own bookings, newest first (also for an admin)",
    responses=UNAUTHENTICATED,
)
async def my_bookings(
    caller: CurrentUser, clients: Clients, page: Page, request: Request
) -> Paginated[BookingOut]:
    return await list_page(clients, caller, page, request, mine_only=True)


@router.get(
    "/bookings/{booking_id}",
    response_model=BookingOut,
    summary="One of your bookings (an admin: anyone's)",
    responses={**UNAUTHENTICATED, **NOT_FOUND},
)
async def get_booking(
    booking_id: BookingId, caller: CurrentUser, clients: Clients, request: Request
) -> BookingOut:
    booking = await clients.booking.GetBooking(
        booking_pb2.GetBookingRequest(id=booking_id), metadata=grpc_metadata(caller, request)
    )
    return booking_out(booking)


@router.post(
    "/bookings/{booking_id}/confirm",
    response_model=BookingOut,
    summary="Record payment of your pending hold: it becomes confirmed and paid",
    responses={
        **UNAUTHENTICATED,
        **NOT_FOUND,
        409: {
            "model": ErrorBody,
            "description": "Past its deadline (hold_expired) or not pending (booking_not_pending)",
        },
    },
)
async def confirm_booking(
    booking_id: BookingId, caller: CurrentUser, clients: Clients, request: Request
) -> BookingOut:
    booking = await clients.booking.ConfirmBooking(
        booking_pb2.ConfirmBookingRequest(id=booking_id), metadata=grpc_metadata(caller, request)
    )
    return booking_out(booking)


@router.post(
    "/bookings/{booking_id}/cancel",
    response_model=BookingOut,
    summary="Cancel a pending or confirmed booking (yours, or anyone's as an admin)",
    description="Its seats are free at once; a paid booking is refunded.",
    responses={
        **UNAUTHENTICATED,
        **NOT_FOUND,
        409: {
            "model": ErrorBody,
            "description": "Not pending or confirmed (booking_not_cancellable)",
        },
    },
)
async def cancel_booking(
    booking_id: BookingId, caller: CurrentUser, clients: Clients, request: Request
) -> BookingOut:
    booking = await clients.booking.CancelBooking(
        booking_pb2.CancelBookingRequest(id=booking_id), metadata=grpc_metadata(caller, request)
    )
    return booking_out(booking)
