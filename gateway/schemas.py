"""Types shared by several routes: ids in paths and bodies, pages, and the answers' shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Header, Path, Query
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from svckit.media_urls import MEDIA_URL_MAX, media_url
from svckit.vocabulary import (
    BookingSource,
    BookingStatus,
    MovieStatus,
    PaymentStatus,
    Role,
    SeatStatus,
    SeatType,
    SessionStatus,
    TicketStatus,
    WaitlistStatus,
)

T = TypeVar("T")

MAX_ID = 2**63 - 1
"""The largest id a service stores (a signed 64-bit integer)."""

Text = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]
"""Text on one line: no control character (C0, DEL or C1; NUL included), so no tab or newline."""
LongText = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$")]
IdempotencyKey = Annotated[
    Text | None,
    Header(
        max_length=255,
        description="makes a retry safe: the same key within 24 h answers what the first got",
    ),
]
"""Free text that may span lines: tabs and line breaks, but no other control character."""

MediaUrl = Annotated[
    str,
    Field(
        max_length=MEDIA_URL_MAX,
        description="an https URL or a path on this site starting with '/'",
        examples=["/static/posters/orbit-of-small-things.svg"],
    ),
    AfterValidator(media_url),
]
"""Where a poster or trailer is: https or this site, never javascript:, data: or http:."""

GenreId = Annotated[int, Path(ge=1, le=MAX_ID, description="the genre's id")]
MovieId = Annotated[int, Path(ge=1, le=MAX_ID, description="the movie's id")]
HallId = Annotated[int, Path(ge=1, le=MAX_ID, description="the hall's id")]
SeatId = Annotated[int, Path(ge=1, le=MAX_ID, description="the seat's id")]
SessionId = Annotated[int, Path(ge=1, le=MAX_ID, description="the session's id")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="the user's id")]
BookingId = Annotated[Text, Path(description="the booking's id (a UUID)")]
IdFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]
"""An optional id to filter a list by."""
IdItem = Annotated[int, Field(ge=1, le=MAX_ID)]
"""An id inside a request body."""


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: str
    code: str


class PageParams(BaseModel):
    page: int
    page_size: int


class Paginated(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


class GenreOut(BaseModel):
    id: int
    name: str


class MovieOut(BaseModel):
    id: int
    title: str
    description: str
    year: int
    duration: int = Field(description="running time in minutes")
    age_rating: str
    movie_status: MovieStatus
    genres: list[GenreOut]
    created_at: datetime
    updated_at: datetime
    poster_url: str | None = Field(description="https URL or path on this site; null: none")
    trailer_url: str | None = Field(description="https URL or path on this site; null: none")


class SeatOut(BaseModel):
    id: int
    row: int
    number: int
    type: SeatType


class HallSeatOut(SeatOut):
    hall_id: int


class HallHead(BaseModel):
    """A hall without its seats."""

    id: int
    number: int
    name: str


class HallOut(HallHead):
    seats: list[SeatOut]


class SessionOut(BaseModel):
    id: int
    movie_id: int
    hall_id: int
    start_time: datetime
    end_time: datetime
    base_price: float = Field(
        description="price of a standard seat; vip x1.5, wheelchair x0.8, companion x1.0"
    )
    status: SessionStatus
    prices: dict[SeatType, float] = Field(
        description="the price of every seat type in this session (standard = base_price)"
    )


class ShowtimeOut(SessionOut):
    """A session in a showtime list, with what a customer chooses by (null when the booking
    service did not answer)."""

    hall_name: str | None = None
    seats_total: int | None = Field(default=None, description="seats in the hall")
    seats_left: int | None = Field(default=None, description="seats neither held nor booked")
    lowest_price: float | None = Field(
        default=None, description="the cheapest seat of the hall at this session's prices"
    )


class SeatStateOut(BaseModel):
    seat_id: int
    row: int
    number: int
    type: SeatType
    price: float
    status: SeatStatus
    held_until: datetime | None = Field(
        default=None, description="when a held seat frees unless its hold is paid; else null"
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
    currency: str = Field(description="ISO 4217 code of the prices (the CURRENCY setting)")
    reason: str | None = Field(description="why it was cancelled or expired; null otherwise")
    created_at: datetime
    updated_at: datetime
    expires_at: datetime = Field(description="when an unpaid hold releases its seats")
    source: BookingSource = Field(
        description="`waitlist` when the waiting list held the seats for you, else `direct`"
    )
    extensions_left: int = Field(
        description="how many more times the hold may be extended (POST .../extend)"
    )


class UserOut(BaseModel):
    """An account as clients see it; the password hash never leaves user_svc."""

    id: int
    email: str
    name: str
    role: Role
    created_at: datetime
    updated_at: datetime


class PushSubscriptionOut(BaseModel):
    id: int
    endpoint: str
    created_at: datetime


class TicketOut(BaseModel):
    ticket_id: str
    booking_id: str
    session_id: int
    seat: BookedSeatOut
    code: str = Field(
        description="the signed code its QR image carries: 56 characters of base32 (A-Z, 2-7)"
    )
    status: TicketStatus = Field(description="valid; used once checked in; void once cancelled")
    checked_in_at: datetime | None
    checked_in_by: int | None = Field(description="the staff member's user id")


class WaitlistEntryOut(BaseModel):
    """A place on a session's waiting list."""

    id: int
    user_id: int
    session_id: int
    count: int = Field(description="how many seats")
    together: bool = Field(description="only seats side by side in one row will do")
    status: WaitlistStatus = Field(
        description="waiting; served (seats held for you: see booking_id); cancelled (you left);"
        " ended (the session started or was cancelled first)"
    )
    booking_id: str | None = Field(description="the pending booking made for you once served")
    created_at: datetime
    updated_at: datetime
