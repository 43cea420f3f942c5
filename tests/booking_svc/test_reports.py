"""Operator reads against a real booking database: a session's figures and the sales report
equal what the tables hold, seats in live bookings are named by session, only staff and admins
read reports, and a booking keeps the price it was held at."""

from __future__ import annotations

import contextlib
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.domain import Booking
from booking_svc.grpc_api import BookingServiceServicer
from booking_svc.reports import Reports, day_range
from booking_svc.service import BookingService
from booking_svc.waitlist.service import Waitlist
from cinemapb.booking.v1 import booking_pb2
from svckit.errors import AlreadyExists, Conflict, InvalidArgument, ServiceError
from svckit.identity import Caller, ServiceCaller, acting_as
from svckit.paging import PageRequest
from tests.booking_svc.conftest import FakeCinema, FakeSessionMovies, reports_of
from tests.booking_svc.test_lifecycle import shift

ADMIN = Caller(99, "admin")
STAFF = Caller(98, "staff")
USERS = [Caller(user_id, "user") for user_id in range(1, 9)]
UTC_ZONE = ZoneInfo("UTC")

SQL_TRUTH = """
SELECT
  coalesce(sum(n) FILTER (WHERE status IN ('confirmed', 'finished')), 0) AS sold,
  coalesce(sum(n) FILTER (WHERE status = 'pending'), 0) AS held,
  coalesce(sum(total_price_cents) FILTER (WHERE status IN ('confirmed', 'finished')), 0) AS revenue,
  count(*) FILTER (WHERE status IN ('confirmed', 'finished')) AS sold_bookings
FROM bookings b
JOIN (SELECT booking_id, count(*) AS n FROM booking_seats GROUP BY booking_id) s
  ON s.booking_id = b.id
WHERE b.session_id = :session_id
"""


async def sql_truth(engine: AsyncEngine, session_id: int) -> dict[str, int]:
    async with engine.connect() as conn:
        row = (await conn.execute(text(SQL_TRUTH), {"session_id": session_id})).one()
    return {key: int(value) for key, value in row._mapping.items()}


async def random_mix(service: BookingService, engine: AsyncEngine, operations: int) -> None:
    """Holds, payments, cancellations and expiries at random on sessions 1 and 2."""
    rng = random.Random(13)
    live: list[tuple[Caller, Booking]] = []
    for _ in range(operations):
        action = rng.choice(["hold", "hold", "confirm", "cancel", "expire"])
        if action == "hold" or not live:
            user = rng.choice(USERS)
            seats = rng.sample(range(101, 111), rng.randint(1, 2))
            with contextlib.suppress(AlreadyExists, Conflict):
                live.append((user, await service.hold(user, rng.choice([1, 2]), seats)))
            continue
        user, booking = live.pop(rng.randrange(len(live)))
        try:
            if action == "confirm":
                await service.confirm(user, str(booking.id))
            elif action == "cancel":
                await service.cancel(user, str(booking.id))
            else:
                await shift(engine, booking, "expires_at", -1)
                await service.expire_due()
        except Conflict:
            pass


async def test_session_figures_equal_the_tables_after_a_random_mix(
    service: BookingService, engine: AsyncEngine
) -> None:
    await random_mix(service, engine, 120)
    reports = reports_of(service)
    for session_id in (1, 2):
        truth = await sql_truth(engine, session_id)
        figures = await reports.session(session_id)
        assert (figures.sold, figures.held, figures.revenue_cents) == (
            truth["sold"],
            truth["held"],
            truth["revenue"],
        )
        assert figures.seats_total == 10
        assert figures.free == 10 - truth["sold"] - truth["held"]
    assert (await sql_truth(engine, 1))["sold"] > 0


async def test_sales_rows_add_up_to_the_tables_by_day_movie_and_session(
    service: BookingService, engine: AsyncEngine, cinema: FakeCinema
) -> None:
    await random_mix(service, engine, 120)
    movies = FakeSessionMovies({1: 10, 2: 20})
    reports = reports_of(service, movies)
    day = cinema.sessions[1].starts_at.date().isoformat()
    days = day_range(day, day, UTC_ZONE)
    truth = {sid: await sql_truth(engine, sid) for sid in (1, 2)}
    page = PageRequest(1, 100)

    by_session, total = await reports.sales(days, "session", page)
    assert total == len(by_session) == len([t for t in truth.values() if t["sold_bookings"]])
    for row in by_session:
        expected = truth[int(row.key)]
        assert (row.bookings, row.seats_sold, row.revenue_cents) == (
            expected["sold_bookings"],
            expected["sold"],
            expected["revenue"],
        )
        assert row.movie_id == {1: 10, 2: 20}[int(row.key)]
        assert row.starts_at == cinema.sessions[int(row.key)].starts_at

    by_movie, _ = await reports.sales(days, "movie", page)
    assert {row.key: row.revenue_cents for row in by_movie} == {
        str(movie): truth[sid]["revenue"]
        for sid, movie in ((1, 10), (2, 20))
        if truth[sid]["sold_bookings"]
    }
    assert [row.revenue_cents for row in by_movie] == sorted(
        (row.revenue_cents for row in by_movie), reverse=True
    )
    (by_day,), _ = await reports.sales(days, "day", page)
    assert by_day.key == day
    assert by_day.revenue_cents == sum(t["revenue"] for t in truth.values())
    assert by_day.seats_sold == sum(t["sold"] for t in truth.values())

    later = (cinema.sessions[1].starts_at + timedelta(days=3)).date().isoformat()
    assert await reports.sales(day_range(later, later, UTC_ZONE), "day", page) == ([], 0)


async def test_sales_pages_through_rows(service: BookingService, cinema: FakeCinema) -> None:
    for session_id in (3, 4, 5):
        cinema.add(session_id)
        booking = await service.hold(USERS[0], session_id, [101])
        await service.confirm(USERS[0], str(booking.id))
    reports = reports_of(service)
    day = cinema.sessions[3].starts_at.date().isoformat()
    first, total = await reports.sales(day_range(day, day, UTC_ZONE), "session", PageRequest(1, 2))
    second, _ = await reports.sales(day_range(day, day, UTC_ZONE), "session", PageRequest(2, 2))
    assert total == 3
    assert [row.key for row in first + second] == ["3", "4", "5"]


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2026-02-30", "2026-03-01"),
        ("2026-03-02", "2026-03-01"),
        ("2026-01-01", "2027-06-01"),
        ("", "2026-01-01"),
        ("2026-1-1", "2026-01-02"),
    ],
)
def test_bad_day_ranges_are_refused(first: str, last: str) -> None:
    with pytest.raises(InvalidArgument):
        day_range(first, last, UTC_ZONE)


def test_a_day_range_covers_whole_days_in_the_cinema_zone() -> None:
    days = day_range("2026-03-28", "2026-03-29", ZoneInfo("Europe/Berlin"))
    assert days.starts.isoformat() == "2026-03-27T23:00:00+00:00"
    assert days.ends.isoformat() == "2026-03-29T22:00:00+00:00"  # summer time began


async def test_seats_in_live_bookings_are_named_by_session_until_the_booking_ends(
    service: BookingService, cinema: FakeCinema
) -> None:
    reports = reports_of(service)
    held = await service.hold(USERS[0], 1, [101, 102])
    other = await service.hold(USERS[1], 2, [101])
    await service.confirm(USERS[1], str(other.id))
    booked = await reports.seats_booked([101, 102, 103])
    assert [(b.session_id, b.seat_ids) for b in booked] == [(1, (101, 102)), (2, (101,))]
    assert booked[0].starts_at == cinema.sessions[1].starts_at
    await service.cancel(USERS[0], str(held.id))
    assert [b.session_id for b in await reports.seats_booked([101, 102])] == [2]
    assert await reports.seats_booked([]) == []


async def test_bookings_of_sessions_that_are_over_do_not_hold_seats(
    service: BookingService, engine: AsyncEngine
) -> None:
    booking = await service.hold(USERS[0], 1, [105])
    await shift(engine, booking, "session_ends_at", -1)
    assert await reports_of(service).seats_booked([105]) == []


async def test_only_staff_and_admins_read_reports_and_only_services_and_admins_ask_for_seats(
    service: BookingService,
) -> None:
    servicer = BookingServiceServicer(
        service, reports_of(service), Waitlist(service, hold_seconds=600)
    )
    context: Any = None
    report = booking_pb2.GetSessionReportRequest(session_id=1)
    sales = booking_pb2.GetSalesReportRequest(
        from_day="2026-01-01", to_day="2026-01-02", group_by=booking_pb2.SALES_GROUPING_DAY
    )
    seats = booking_pb2.SeatsWithLiveBookingsRequest(seat_ids=[101])
    for who in (None, USERS[0]):
        with acting_as(who):
            for call in (
                servicer.GetSessionReport(report, context),
                servicer.GetSalesReport(sales, context),
                servicer.SeatsWithLiveBookings(seats, context),
            ):
                with pytest.raises(ServiceError) as caught:
                    await call
                assert caught.value.code in ("unauthenticated", "forbidden")
    with acting_as(STAFF):
        assert (await servicer.GetSessionReport(report, context)).seats_total == 10
        assert (await servicer.GetSalesReport(sales, context)).total == 0
        with pytest.raises(ServiceError):
            await servicer.SeatsWithLiveBookings(seats, context)
    with acting_as(ServiceCaller("cinema_svc")):
        assert list((await servicer.SeatsWithLiveBookings(seats, context)).sessions) == []
        with pytest.raises(ServiceError):
            await servicer.GetSessionReport(report, context)
    with acting_as(ADMIN):
        await servicer.SeatsWithLiveBookings(seats, context)
        sales.group_by = booking_pb2.SALES_GROUPING_UNSPECIFIED
        with pytest.raises(InvalidArgument):
            await servicer.GetSalesReport(sales, context)


async def test_a_price_change_leaves_existing_bookings_at_their_price(
    service: BookingService, cinema: FakeCinema
) -> None:
    held = await service.hold(USERS[0], 1, [101])
    paid = await service.hold(USERS[1], 1, [102])
    await service.confirm(USERS[1], str(paid.id))
    seating = cinema.sessions[1]
    dearer = {
        i: replace(seat, price_cents=seat.price_cents * 2) for i, seat in seating.seats.items()
    }
    cinema.sessions[1] = replace(seating, seats=dearer)
    service.seating.invalidate(1)  # as a SessionChanged event does

    later = await service.hold(USERS[2], 1, [103])
    assert later.total_price_cents == 2000
    for booking, user in ((held, USERS[0]), (paid, USERS[1])):
        again = await service.get(user, str(booking.id))
        assert again.total_price_cents == 1000
        assert [seat.price_cents for seat in again.seats] == [1000]
    assert (await reports_of(service).session(1)).revenue_cents == 1000


async def test_days_are_the_cinema_time_zone_days(
    service: BookingService, cinema: FakeCinema
) -> None:
    late = datetime.now(UTC).replace(hour=23, minute=30, second=0, microsecond=0) + timedelta(
        days=3
    )
    seating = cinema.add(7)
    cinema.sessions[7] = replace(seating, starts_at=late, ends_at=late + timedelta(hours=2))
    booking = await service.hold(USERS[0], 7, [101])
    await service.confirm(USERS[0], str(booking.id))
    berlin = ZoneInfo("Europe/Berlin")
    reports = Reports(service.database, service.seating, FakeSessionMovies(), berlin)
    next_day = (late + timedelta(days=1)).date().isoformat()
    (row,), _ = await reports.sales(day_range(next_day, next_day, berlin), "day", PageRequest(1, 9))
    assert (row.key, row.seats_sold) == (next_day, 1)
    utc_reports = reports_of(service)
    utc_day = day_range(next_day, next_day, UTC_ZONE)
    assert await utc_reports.sales(utc_day, "day", PageRequest(1, 9)) == ([], 0)
