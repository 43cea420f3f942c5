"""Bookings: hold seats, pay, cancel, and list them. booking_svc decides who sees what."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from cinemapb.booking.v1 import booking_pb2
from gateway.convert import booking_out, paginated
from gateway.deps import AsUser, Clients, Page
from gateway.openapi import error_responses
from gateway.ratelimit import limit_holds
from gateway.schemas import MAX_ID, BookingId, BookingOut, IdempotencyKey, IdItem, Paginated

router = APIRouter(prefix="/api", tags=["bookings"])

ONE_BOOKING_ERRORS = ("unauthenticated", "booking_not_found")


class BookingRequest(BaseModel):
    """Seats to hold in one session. The booking is the caller's: a `user_id` here is ignored."""

    session_id: int = Field(ge=1, le=MAX_ID, examples=[1])
    seats_id: list[IdItem] = Field(
        max_length=100,
        description="ids of the seats to hold, at most BOOKING_MAX_SEATS (default 4)",
        examples=[[12, 13]],
    )


async def list_page(
    clients: Clients, metadata: AsUser, page: Page, *, mine_only: bool
) -> Paginated[BookingOut]:
    reply = await clients.booking.ListBookings(
        booking_pb2.ListBookingsRequest(
            page=page.page, page_size=page.page_size, mine_only=mine_only
        ),
        metadata=metadata,
    )
    return paginated([booking_out(b) for b in reply.items], reply.total, page)


@router.post(
    "/bookings",
    status_code=201,
    response_model=BookingOut,
    summary="Hold seats of a session for the caller until the hold expires",
    dependencies=[Depends(limit_holds)],
    description=(
        "Answers 201 with the pending booking. With an `Idempotency-Key` header, a retry with "
        "the same key and body answers 201 with the same booking (kept 24 h); the same key with "
        "another body is 422 `idempotency_key_reused`."
    ),
    responses=error_responses(
        "unauthenticated",
        "session_not_found",
        "seats_taken",
        "hold_limit",
        "session_started",
        "session_cancelled",
        "no_seats",
        "duplicate_seats",
        "too_many_seats",
        "seat_not_in_hall",
        "idempotency_key_reused",
        "too_many_requests",
    ),
)
async def create_booking(
    body: BookingRequest,
    metadata: AsUser,
    clients: Clients,
    idempotency_key: IdempotencyKey = None,
) -> BookingOut:
    request = booking_pb2.CreateBookingRequest(
        session_id=body.session_id, seat_ids=body.seats_id, idempotency_key=idempotency_key or ""
    )
    return booking_out(await clients.booking.CreateBooking(request, metadata=metadata))


@router.get(
    "/bookings",
    response_model=Paginated[BookingOut],
    summary="Your bookings, newest first (an admin sees everyone's)",
    responses=error_responses("unauthenticated"),
)
async def list_bookings(metadata: AsUser, clients: Clients, page: Page) -> Paginated[BookingOut]:
    return await list_page(clients, metadata, page, mine_only=False)


@router.get(
    "/me/bookings",
    response_model=Paginated[BookingOut],
    summary="Your own bookings, newest first (also for an admin)",
    responses=error_responses("unauthenticated"),
)
async def my_bookings(metadata: AsUser, clients: Clients, page: Page) -> Paginated[BookingOut]:
    return await list_page(clients, metadata, page, mine_only=True)


@router.get(
    "/bookings/{booking_id}",
    response_model=BookingOut,
    summary="One of your bookings (an admin: anyone's)",
    responses=error_responses(*ONE_BOOKING_ERRORS),
)
async def get_booking(booking_id: BookingId, metadata: AsUser, clients: Clients) -> BookingOut:
    request = booking_pb2.GetBookingRequest(id=booking_id)
    return booking_out(await clients.booking.GetBooking(request, metadata=metadata))


@router.post(
    "/bookings/{booking_id}/confirm",
    response_model=BookingOut,
    summary="Record payment of your pending hold: it becomes confirmed and paid",
    description=(
        "With an `Idempotency-Key` header, a retry with the same key answers 200 with the "
        "booking as the first answer showed it (kept 24 h), even if it changed since; the same "
        "key on another booking, or on a cancel, is 422 `idempotency_key_reused`."
    ),
    responses=error_responses(
        *ONE_BOOKING_ERRORS,
        "hold_expired",
        "booking_not_pending",
        "session_started",
        "validation_error",
        "idempotency_key_reused",
    ),
)
async def confirm_booking(
    booking_id: BookingId,
    metadata: AsUser,
    clients: Clients,
    idempotency_key: IdempotencyKey = None,
) -> BookingOut:
    request = booking_pb2.ConfirmBookingRequest(
        id=booking_id, idempotency_key=idempotency_key or ""
    )
    return booking_out(await clients.booking.ConfirmBooking(request, metadata=metadata))


@router.post(
    "/bookings/{booking_id}/cancel",
    response_model=BookingOut,
    summary="Cancel a pending or confirmed booking (yours, or anyone's as an admin)",
    description=(
        "Its seats are free at once; a paid booking is refunded. With an `Idempotency-Key` "
        "header, a retry with the same key answers 200 with the booking as the first answer "
        "showed it (kept 24 h); the same key on another booking, or on a confirm, is 422 "
        "`idempotency_key_reused`."
    ),
    responses=error_responses(
        *ONE_BOOKING_ERRORS,
        "booking_not_cancellable",
        "session_started",
        "validation_error",
        "idempotency_key_reused",
    ),
)
async def cancel_booking(
    booking_id: BookingId,
    metadata: AsUser,
    clients: Clients,
    idempotency_key: IdempotencyKey = None,
) -> BookingOut:
    request = booking_pb2.CancelBookingRequest(id=booking_id, idempotency_key=idempotency_key or "")
    return booking_out(await clients.booking.CancelBooking(request, metadata=metadata))


@router.post(
    "/bookings/{booking_id}/extend",
    response_model=BookingOut,
    summary="Give your pending hold more time: BOOKING_EXTEND_SECONDS more before it expires",
    description=(
        "At most BOOKING_MAX_EXTENSIONS times per hold (`extensions_left` says how many are "
        "left), never past the session's start. The seat map and the live feed show the new "
        "`held_until`, and the payment reminder follows the new `expires_at`."
    ),
    responses=error_responses(
        *ONE_BOOKING_ERRORS, "hold_expired", "not_pending", "extension_limit", "session_started"
    ),
)
async def extend_booking(booking_id: BookingId, metadata: AsUser, clients: Clients) -> BookingOut:
    request = booking_pb2.ExtendBookingRequest(id=booking_id)
    return booking_out(await clients.booking.ExtendBooking(request, metadata=metadata))
