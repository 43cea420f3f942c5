"""Bookings: hold seats, pay, cancel, and list them. booking_svc decides who sees what."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import BaseModel, Field, model_validator

from cinemapb.booking.v1 import booking_pb2
from gateway.convert import booking_out, paginated
from gateway.deps import AsUser, Clients, Page, Settings
from gateway.openapi import error_responses
from gateway.ratelimit import limit_holds
from gateway.routes.bestseats import BestAvailable
from gateway.routes.seatmap import seats_changed, seats_changed_responses
from gateway.schemas import MAX_ID, BookingId, BookingOut, IdempotencyKey, IdItem, Paginated

router = APIRouter(prefix="/api", tags=["bookings"])

ONE_BOOKING_ERRORS = ("unauthenticated", "booking_not_found")


class BookingRequest(BaseModel):
    """Seats to hold in one session: `seats_id`, or `best_available` to let the cinema pick.
    The booking is the caller's: a `user_id` here is ignored."""

    session_id: int = Field(ge=1, le=MAX_ID, examples=[1])
    seats_id: list[IdItem] | None = Field(
        default=None,
        max_length=100,
        description="ids of the seats to hold, at most BOOKING_MAX_SEATS (default 4)",
        examples=[[12, 13]],
    )
    best_available: BestAvailable | None = Field(
        default=None,
        description="instead of `seats_id`: hold the best adjacent free seats for this party",
    )

    @model_validator(mode="after")
    def one_way_of_choosing(self) -> BookingRequest:
        if (self.best_available is None) == (self.seats_id is None):
            raise ValueError("give either seats_id or best_available")
        return self


class CancelRequest(BaseModel):
    """Which seats to give back; without a body the whole booking is cancelled."""

    seat_ids: list[IdItem] = Field(
        min_length=1,
        max_length=100,
        description="only these seats of the booking; it goes on with the others",
        examples=[[13]],
    )


async def list_page(
    clients: Clients, metadata: AsUser, page: Page, settings: Settings, *, mine_only: bool
) -> Paginated[BookingOut]:
    reply = await clients.booking.ListBookings(
        booking_pb2.ListBookingsRequest(
            page=page.page, page_size=page.page_size, mine_only=mine_only
        ),
        metadata=metadata,
    )
    return paginated([booking_out(b, settings.currency) for b in reply.items], reply.total, page)


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
    responses=seats_changed_responses(201)
    | error_responses(
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
        "no_adjacent_seats",
        "orphan_seat",
        "companion_needs_wheelchair",
    ),
)
async def create_booking(
    body: BookingRequest,
    metadata: AsUser,
    http: Request,
    response: Response,
    clients: Clients,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
) -> BookingOut:
    request = booking_pb2.CreateBookingRequest(
        session_id=body.session_id,
        seat_ids=body.seats_id or [],
        idempotency_key=idempotency_key or "",
        best_available=body.best_available.pb() if body.best_available else None,
    )
    reply = await clients.booking.CreateBooking(request, metadata=metadata)
    return booking_out(seats_changed(http, response, reply), settings.currency)


@router.get(
    "/bookings",
    response_model=Paginated[BookingOut],
    summary="Your bookings, newest first (an admin sees everyone's)",
    responses=error_responses("unauthenticated"),
)
async def list_bookings(
    metadata: AsUser, clients: Clients, page: Page, settings: Settings
) -> Paginated[BookingOut]:
    return await list_page(clients, metadata, page, settings, mine_only=False)


@router.get(
    "/me/bookings",
    response_model=Paginated[BookingOut],
    summary="Your own bookings, newest first (also for an admin)",
    responses=error_responses("unauthenticated"),
)
async def my_bookings(
    metadata: AsUser, clients: Clients, page: Page, settings: Settings
) -> Paginated[BookingOut]:
    return await list_page(clients, metadata, page, settings, mine_only=True)


@router.get(
    "/bookings/{booking_id}",
    response_model=BookingOut,
    summary="One of your bookings (an admin: anyone's)",
    responses=error_responses(*ONE_BOOKING_ERRORS),
)
async def get_booking(
    booking_id: BookingId, metadata: AsUser, clients: Clients, settings: Settings
) -> BookingOut:
    request = booking_pb2.GetBookingRequest(id=booking_id)
    return booking_out(
        await clients.booking.GetBooking(request, metadata=metadata), settings.currency
    )


@router.post(
    "/bookings/{booking_id}/confirm",
    response_model=BookingOut,
    summary="Record payment of your pending hold: it becomes confirmed and paid",
    description=(
        "Only while PAYMENTS_PROVIDER is `none`; with a provider this answers 409 "
        "`payment_required` (pay through `POST /api/bookings/{id}/pay`). "
        "With an `Idempotency-Key` header, a retry with the same key answers 200 with the "
        "booking as the first answer showed it (kept 24 h), even if it changed since; the same "
        "key on another booking, or on a cancel, is 422 `idempotency_key_reused`."
    ),
    responses=seats_changed_responses(200)
    | error_responses(
        *ONE_BOOKING_ERRORS,
        "hold_expired",
        "booking_not_pending",
        "session_started",
        "validation_error",
        "idempotency_key_reused",
        "payment_required",
    ),
)
async def confirm_booking(
    booking_id: BookingId,
    metadata: AsUser,
    http: Request,
    response: Response,
    clients: Clients,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
) -> BookingOut:
    request = booking_pb2.ConfirmBookingRequest(
        id=booking_id, idempotency_key=idempotency_key or ""
    )
    reply = await clients.booking.ConfirmBooking(request, metadata=metadata)
    return booking_out(seats_changed(http, response, reply), settings.currency)


@router.post(
    "/bookings/{booking_id}/cancel",
    response_model=BookingOut,
    summary="Cancel a pending or confirmed booking (yours, or anyone's as an admin)",
    description=(
        "Its seats are free at once; a paid booking is refunded. With an `Idempotency-Key` "
        "header, a retry with the same key answers 200 with the booking as the first answer "
        "showed it (kept 24 h); the same key on another booking, or on a confirm, is 422 "
        '`idempotency_key_reused`. With a body `{"seat_ids": [...]}` only those seats are '
        "given back (free at once, the total drops, the booking goes on): refused with 422 "
        "when it would leave no seat, a companion seat without its wheelchair place, or a "
        "single free seat stranded."
    ),
    responses=seats_changed_responses(200)
    | error_responses(
        *ONE_BOOKING_ERRORS,
        "booking_not_cancellable",
        "session_started",
        "validation_error",
        "idempotency_key_reused",
        "seat_not_in_booking",
        "booking_would_be_empty",
        "orphan_seat",
        "companion_needs_wheelchair",
    ),
)
async def cancel_booking(
    booking_id: BookingId,
    metadata: AsUser,
    http: Request,
    response: Response,
    clients: Clients,
    settings: Settings,
    idempotency_key: IdempotencyKey = None,
    body: Annotated[CancelRequest | None, Body()] = None,
) -> BookingOut:
    request = booking_pb2.CancelBookingRequest(
        id=booking_id,
        idempotency_key=idempotency_key or "",
        seat_ids=body.seat_ids if body else [],
    )
    reply = await clients.booking.CancelBooking(request, metadata=metadata)
    return booking_out(seats_changed(http, response, reply), settings.currency)


@router.post(
    "/bookings/{booking_id}/extend",
    response_model=BookingOut,
    summary="Give your pending hold more time: BOOKING_EXTEND_SECONDS more before it expires",
    description=(
        "At most BOOKING_MAX_EXTENSIONS times per hold (`extensions_left` says how many are "
        "left), never past the session's start. The seat map and the live feed show the new "
        "`held_until`, and the payment reminder follows the new `expires_at`."
    ),
    responses=seats_changed_responses(200)
    | error_responses(
        *ONE_BOOKING_ERRORS, "hold_expired", "not_pending", "extension_limit", "session_started"
    ),
)
async def extend_booking(
    booking_id: BookingId,
    metadata: AsUser,
    http: Request,
    response: Response,
    clients: Clients,
    settings: Settings,
) -> BookingOut:
    request = booking_pb2.ExtendBookingRequest(id=booking_id)
    reply = await clients.booking.ExtendBooking(request, metadata=metadata)
    return booking_out(seats_changed(http, response, reply), settings.currency)
