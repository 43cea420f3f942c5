"""Types shared by several routes: ids in paths and bodies, pages, and the answers' shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Header, Path, Query
from pydantic import BaseModel, Field, StringConstraints

from svckit.vocabulary import (
    BookingStatus,
    MovieStatus,
    PaymentStatus,
    Role,
    SeatStatus,
    SeatType,
    SessionStatus,
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


class SeatOut(BaseModel):
    id: int
    row: int
    number: int
    type: SeatType


class HallSeatOut(SeatOut):
    hall_id: int


class HallOut(BaseModel):
    id: int
    number: int
    name: str
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


class SeatStateOut(BaseModel):
    seat_id: int
    row: int
    number: int
    type: SeatType
    price: float
    status: SeatStatus


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
