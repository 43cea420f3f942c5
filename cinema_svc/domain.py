"""The rules of halls, seats and sessions, free of SQL and protobuf."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cinema_svc.pricing import MAX_PRICE_CENTS
from svckit.errors import Conflict, InvalidArgument
from svckit.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from svckit.vocabulary import SeatType, SessionStatus

Clock = Callable[[], datetime]

HALL_NUMBER_MAX = 9999
HALL_NAME_MAX = 100
LAYOUT_ROWS_MAX = 50
LAYOUT_SEATS_PER_ROW_MAX = 60
SEAT_POSITION_MAX = 200
DEFAULT_BASE_PRICE_CENTS = 1000
"""The base price of a session created without one (10.00)."""

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class SessionDraft:
    """What an admin asks for when creating or changing a session."""

    movie_id: int
    hall_id: int
    start_time: datetime
    end_time: datetime
    base_price_cents: int
    seat_prices: dict[SeatType, int] | None = None
    """Prices of seat types other than standard; None: the default (create) or unchanged."""


def page_request(page: int, page_size: int) -> PageRequest:
    """Pagination with defaults for 0 (unset) and bounds for everything else."""
    if page < 0 or page_size < 0 or page_size > MAX_PAGE_SIZE:
        raise InvalidArgument(
            f"page must be >= 1 and page_size between 1 and {MAX_PAGE_SIZE}", code="invalid_page"
        )
    return PageRequest(page or 1, page_size or DEFAULT_PAGE_SIZE)


def check_hall(number: int, name: str) -> None:
    if not 1 <= number <= HALL_NUMBER_MAX:
        raise InvalidArgument(
            f"hall number must be between 1 and {HALL_NUMBER_MAX}", code="invalid_hall_number"
        )
    if len(name) > HALL_NAME_MAX:
        raise InvalidArgument(
            f"hall name must be at most {HALL_NAME_MAX} characters", code="invalid_hall_name"
        )


def hall_layout(rows: int, seats_per_row: int) -> list[tuple[int, int]]:
    """The (row, number) of every standard seat a new hall gets; none when both are 0."""
    if rows == 0 and seats_per_row == 0:
        return []
    if not (1 <= rows <= LAYOUT_ROWS_MAX and 1 <= seats_per_row <= LAYOUT_SEATS_PER_ROW_MAX):
        raise InvalidArgument(
            f"rows (1..{LAYOUT_ROWS_MAX}) and seats_per_row (1..{LAYOUT_SEATS_PER_ROW_MAX}) "
            "must be given together",
            code="invalid_layout",
        )
    return [(row, number) for row in range(1, rows + 1) for number in range(1, seats_per_row + 1)]


def check_seat_position(row: int, number: int) -> None:
    if not (1 <= row <= SEAT_POSITION_MAX and 1 <= number <= SEAT_POSITION_MAX):
        raise InvalidArgument(
            f"seat row and number must be between 1 and {SEAT_POSITION_MAX}",
            code="invalid_seat_position",
        )


def check_session_draft(draft: SessionDraft, now: datetime) -> None:
    """A session starts in the future, ends after it starts, and has a sane price."""
    if draft.movie_id <= 0 or draft.hall_id <= 0:
        raise InvalidArgument("movie_id and hall_id are required", code="invalid_argument")
    if draft.start_time <= now:
        raise InvalidArgument("a session cannot start in the past", code="invalid_time_range")
    if draft.end_time <= draft.start_time:
        raise InvalidArgument("a session must end after it starts", code="invalid_time_range")
    if not 0 < draft.base_price_cents <= MAX_PRICE_CENTS:
        raise InvalidArgument(
            f"base price must be between 0.01 and {MAX_PRICE_CENTS / 100:.2f}",
            code="invalid_price",
        )


def session_status(
    stored: str, start_time: datetime, end_time: datetime, now: datetime
) -> SessionStatus:
    """Cancelled when cancelled, else where `now` falls relative to the session's times."""
    if stored == "cancelled":
        return "cancelled"
    if now < start_time:
        return "scheduled"
    if now < end_time:
        return "ongoing"
    return "finished"


def check_changeable(stored: str, start_time: datetime, now: datetime) -> None:
    """Only a scheduled session that has not started yet may be changed."""
    if stored == "cancelled":
        raise Conflict("the session is cancelled", code="session_cancelled")
    if start_time <= now:
        raise Conflict("the session has already started", code="session_started")


def check_cancellable(end_time: datetime, now: datetime) -> None:
    if end_time <= now:
        raise Conflict("the session is already over", code="session_finished")


def utc_day(text: str) -> tuple[datetime, datetime]:
    """The [start, end) of a YYYY-MM-DD calendar day in UTC."""
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        start = datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        return start, start + timedelta(days=1)
    except (ValueError, OverflowError):
        raise InvalidArgument("date must be a day as YYYY-MM-DD", code="invalid_date") from None
