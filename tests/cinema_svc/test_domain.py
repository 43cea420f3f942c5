"""The pure rules of halls and sessions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cinema_svc.domain import (
    SessionDraft,
    check_session_draft,
    hall_layout,
    page_request,
    session_status,
    utc_day,
)
from svckit.errors import InvalidArgument

START = datetime(2030, 5, 1, 18, 0, tzinfo=UTC)
END = START + timedelta(hours=2)


@pytest.mark.parametrize(
    ("stored", "now", "status"),
    [
        ("scheduled", START - timedelta(seconds=1), "scheduled"),
        ("scheduled", START, "ongoing"),
        ("scheduled", END - timedelta(seconds=1), "ongoing"),
        ("scheduled", END, "finished"),
        ("cancelled", START - timedelta(hours=1), "cancelled"),
        ("cancelled", START + timedelta(minutes=1), "cancelled"),
        ("cancelled", END + timedelta(days=1), "cancelled"),
    ],
)
def test_session_status_is_derived_from_the_clock_unless_cancelled(
    stored: str, now: datetime, status: str
) -> None:
    assert session_status(stored, START, END, now) == status


def test_a_layout_gives_every_row_and_number_once() -> None:
    assert hall_layout(2, 3) == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    assert hall_layout(0, 0) == []
    assert len(hall_layout(50, 60)) == 3000


@pytest.mark.parametrize(("rows", "seats"), [(5, 0), (0, 5), (51, 10), (10, 61), (-1, 5)])
def test_a_layout_needs_both_dimensions_within_bounds(rows: int, seats: int) -> None:
    with pytest.raises(InvalidArgument) as caught:
        hall_layout(rows, seats)
    assert caught.value.code == "invalid_layout"


def test_a_day_filter_is_the_whole_utc_day() -> None:
    assert utc_day("2030-05-01") == (
        datetime(2030, 5, 1, tzinfo=UTC),
        datetime(2030, 5, 2, tzinfo=UTC),
    )


@pytest.mark.parametrize("text", ["2030-13-01", "20300501", "2030-5-1", "tomorrow", "9999-12-31"])
def test_a_malformed_day_is_invalid_argument(text: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        utc_day(text)
    assert caught.value.code == "invalid_date"


def test_pagination_defaults_and_bounds() -> None:
    assert page_request(0, 0).page == 1
    assert page_request(0, 0).page_size == 20
    assert page_request(3, 10).offset == 20
    for page, size in [(-1, 10), (1, -1), (1, 101)]:
        with pytest.raises(InvalidArgument):
            page_request(page, size)


DRAFT = SessionDraft(movie_id=1, hall_id=1, start_time=START, end_time=END, base_price_cents=1000)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"start_time": START - timedelta(days=30)}, "invalid_time_range"),
        ({"end_time": START}, "invalid_time_range"),
        ({"end_time": START - timedelta(minutes=1)}, "invalid_time_range"),
        ({"base_price_cents": -1}, "invalid_price"),
        ({"base_price_cents": 10**12}, "invalid_price"),
        ({"movie_id": 0}, "invalid_argument"),
    ],
)
def test_a_session_draft_must_be_in_the_future_ordered_and_priced(
    changes: dict[str, Any], code: str
) -> None:
    now = START - timedelta(days=1)
    check_session_draft(DRAFT, now)
    with pytest.raises(InvalidArgument) as caught:
        check_session_draft(replace(DRAFT, **changes), now)
    assert caught.value.code == code
