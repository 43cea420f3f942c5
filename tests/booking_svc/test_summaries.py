"""Session summaries for showtime lists: hall, free seats and the cheapest seat, many at once."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.availability import MAX_SESSIONS
from booking_svc.service import BookingService
from svckit.errors import InvalidArgument
from svckit.identity import Caller
from tests.booking_svc.conftest import FakeCinema

ALICE = Caller(1, "user")
BOB = Caller(2, "user")


async def test_free_seats_count_holds_and_payments_but_not_cancelled_or_expired_ones(
    service: BookingService,
) -> None:
    await service.hold(ALICE, 1, [101, 102])
    paid = await service.hold(BOB, 1, [103])
    await service.confirm(BOB, str(paid.id))
    gone = await service.hold(BOB, 2, [104])
    await service.cancel(BOB, str(gone.id))

    first, second = await service.summaries([1, 2])

    assert (first.session_id, first.seats_total, first.seats_free) == (1, 10, 7)
    assert (second.session_id, second.seats_total, second.seats_free) == (2, 10, 10)
    assert first.hall_name == "Hall 7"


async def test_the_lowest_price_is_the_cheapest_seat_type_in_the_hall(
    service: BookingService, cinema: FakeCinema
) -> None:
    seating = cinema.add(3)
    wheelchair = replace(seating.seats[110], type="wheelchair", price_cents=800)
    cinema.sessions[3] = replace(seating, seats={**seating.seats, 110: wheelchair})

    [summary] = await service.summaries([3])

    assert summary.lowest_price_cents == 800


async def test_unknown_sessions_are_left_out_and_repeats_answered_once(
    service: BookingService,
) -> None:
    summaries = await service.summaries([2, 999, 2, 1])
    assert [summary.session_id for summary in summaries] == [2, 1]
    assert await service.summaries([]) == []


async def test_many_sessions_take_one_statement(
    service: BookingService, cinema: FakeCinema, engine: AsyncEngine
) -> None:
    for session_id in range(3, 30):
        cinema.add(session_id)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        summaries = await service.summaries(list(range(1, 30)))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(summaries) == 29
    assert len([s for s in statements if "booking_seats" in s]) == 1


async def test_more_sessions_than_allowed_are_refused(service: BookingService) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await service.summaries(list(range(1, MAX_SESSIONS + 2)))
    assert refused.value.code == "too_many_sessions"
