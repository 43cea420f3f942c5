"""Operator reads over the booking database: seats in live bookings (for layout changes), a
session's sold/held/free counts and revenue, and sales grouped by day, movie or session.

They are built here, where bookings are written, rather than in a read model fed from the
booking topics: the figures then equal the booking tables by construction (one snapshot per
query, no lag, nothing to replay or catch up), and the queries are a few aggregates over
indexed columns. Sold means confirmed (or finished: confirmed for a session that is over),
held means pending; revenue is what sold bookings cost when they were held.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

import grpc
from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.domain import session_not_found
from booking_svc.models import booking_seats, bookings
from booking_svc.seating import SeatingCache, Unavailable
from cinemapb.cinema.v1 import cinema_pb2
from svckit.db import reading
from svckit.errors import InvalidArgument
from svckit.paging import MAX_PAGE_SIZE, PageRequest
from svckit.vocabulary import SalesGrouping

if TYPE_CHECKING:
    from cinemapb.cinema.v1.cinema_pb2_grpc import CinemaServiceAsyncStub

B = bookings.c
S = booking_seats.c
SOLD = ("confirmed", "finished")
HELD = ("pending",)
LIVE = ("pending", "confirmed")
MAX_REPORT_DAYS = 400
LOOKUP_TIMEOUT_SECONDS = 5.0
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class BookedSeats:
    session_id: int
    starts_at: datetime
    seat_ids: tuple[int, ...]


@dataclass(frozen=True)
class SessionFigures:
    session_id: int
    seats_total: int
    sold: int
    held: int
    free: int
    revenue_cents: int


@dataclass(frozen=True)
class SalesRow:
    """One group's sales; movie_id and starts_at say what a movie or session row is."""

    key: str
    bookings: int
    seats_sold: int
    revenue_cents: int
    movie_id: int = 0
    starts_at: datetime | None = None


@dataclass(frozen=True)
class DayRange:
    """Sessions starting from the first day's midnight to the last day's end, in a zone."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=self.zone).astimezone(UTC)

    @property
    def ends(self) -> datetime:
        end = datetime.combine(self.last + timedelta(days=1), time(), tzinfo=self.zone)
        return end.astimezone(UTC)


def day_range(first: str, last: str, zone: ZoneInfo) -> DayRange:
    """The range of days `first`..`last` (YYYY-MM-DD, both included), or InvalidArgument."""
    try:
        if not (_DAY.fullmatch(first) and _DAY.fullmatch(last)):
            raise ValueError
        days = DayRange(date.fromisoformat(first), date.fromisoformat(last), zone)
    except ValueError:
        raise InvalidArgument("from and to must be days, YYYY-MM-DD", code="invalid_date") from None
    if days.last < days.first:
        raise InvalidArgument("to must not be before from", code="invalid_date")
    if (days.last - days.first).days >= MAX_REPORT_DAYS:
        raise InvalidArgument(
            f"a report covers at most {MAX_REPORT_DAYS} days", code="invalid_date"
        )
    return days


class SessionMovies(Protocol):
    async def movies_of(self, session_ids: Sequence[int]) -> dict[int, int]:
        """session id -> movie id, for the sessions that exist."""


class CinemaSessionMovies:
    """SessionMovies from CinemaService.ListSessions by ids, a page of 100 per call."""

    def __init__(self, stub: CinemaServiceAsyncStub) -> None:
        self.stub = stub

    async def movies_of(self, session_ids: Sequence[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for start in range(0, len(session_ids), MAX_PAGE_SIZE):
            chunk = session_ids[start : start + MAX_PAGE_SIZE]
            request = cinema_pb2.ListSessionsRequest(page_size=MAX_PAGE_SIZE, ids=chunk)
            try:
                reply = await self.stub.ListSessions(request, timeout=LOOKUP_TIMEOUT_SECONDS)
            except grpc.aio.AioRpcError as error:
                raise Unavailable("cinema_svc did not answer; try again shortly") from error
            found |= {session.id: session.movie_id for session in reply.items}
        return found


def _seats_per_booking() -> Select[tuple[object, int]]:
    """Each booking's seats, leaving out those it gave back (a partial cancellation)."""
    return (
        select(S.booking_id, func.count().label("seats"))
        .where(S.released_at.is_(None))
        .group_by(S.booking_id)
    )


class Reports:
    def __init__(
        self,
        database: AsyncEngine,
        seating: SeatingCache,
        movies: SessionMovies,
        zone: ZoneInfo,
    ) -> None:
        self.database = database
        self.seating = seating
        self.movies = movies
        self.zone = zone

    async def seats_booked(self, seat_ids: Sequence[int]) -> list[BookedSeats]:
        """Of these seats, those in pending or confirmed bookings of sessions not over yet."""
        if not seat_ids:
            return []
        query = (
            select(
                S.session_id,
                func.min(B.session_starts_at),
                func.array_agg(S.seat_id.distinct()),
            )
            .join(bookings, B.id == S.booking_id)
            .where(
                S.seat_id.in_(sorted(set(seat_ids))),
                S.active,
                B.status.in_(LIVE),
                B.session_ends_at > func.now(),
            )
            .group_by(S.session_id)
            .order_by(func.min(B.session_starts_at), S.session_id)
        )
        async with reading(self.database) as db:
            rows = (await db.execute(query)).all()
        return [BookedSeats(row[0], row[1], tuple(sorted(row[2]))) for row in rows]

    async def session(self, session_id: int) -> SessionFigures:
        seating = await self.seating.get(session_id)
        if seating is None:
            raise session_not_found(session_id)
        counts = _seats_per_booking().subquery()
        query = (
            select(
                func.coalesce(func.sum(counts.c.seats).filter(B.status.in_(SOLD)), 0),
                func.coalesce(func.sum(counts.c.seats).filter(B.status.in_(HELD)), 0),
                func.coalesce(func.sum(B.total_price_cents).filter(B.status.in_(SOLD)), 0),
            )
            .select_from(bookings.join(counts, counts.c.booking_id == B.id))
            .where(B.session_id == session_id, B.status.in_(SOLD + HELD))
        )
        async with reading(self.database) as db:
            sold, held, revenue = (await db.execute(query)).one()
        total = len(seating.seats)
        return SessionFigures(
            session_id=session_id,
            seats_total=total,
            sold=int(sold),
            held=int(held),
            free=max(0, total - int(sold) - int(held)),
            revenue_cents=int(revenue),
        )

    async def sales(
        self, days: DayRange, group_by: SalesGrouping, page: PageRequest
    ) -> tuple[list[SalesRow], int]:
        """A page of rows and how many rows there are: days ascending, sessions by start,
        movies by revenue (highest first)."""
        by_session = await self._by_session(days)
        if group_by == "day":
            rows = _merged(by_session, self._day_of)
        elif group_by == "movie":
            movie_of = await self.movies.movies_of([int(row.key) for row in by_session])
            rows = _merged(by_session, lambda row: str(movie_of.get(int(row.key), 0)))
            rows = [replace(row, movie_id=int(row.key)) for row in rows]
            rows.sort(key=lambda row: (-row.revenue_cents, int(row.key)))
        else:
            rows = by_session[page.offset : page.offset + page.page_size]
            movie_of = await self.movies.movies_of([int(row.key) for row in rows])
            named = [replace(row, movie_id=movie_of.get(int(row.key), 0)) for row in rows]
            return named, len(by_session)
        return rows[page.offset : page.offset + page.page_size], len(rows)

    def _day_of(self, row: SalesRow) -> str:
        assert row.starts_at is not None
        return row.starts_at.astimezone(self.zone).date().isoformat()

    async def _by_session(self, days: DayRange) -> list[SalesRow]:
        """Every session starting in the range that sold something, by start."""
        counts = _seats_per_booking().subquery()
        query = (
            select(
                cast(B.session_id, String),
                func.count(),
                func.sum(counts.c.seats),
                func.sum(B.total_price_cents),
                func.min(B.session_starts_at),
            )
            .select_from(bookings.join(counts, counts.c.booking_id == B.id))
            .where(
                B.status.in_(SOLD),
                B.session_starts_at >= days.starts,
                B.session_starts_at < days.ends,
            )
            .group_by(B.session_id)
            .order_by(func.min(B.session_starts_at), B.session_id)
        )
        async with reading(self.database) as db:
            found = (await db.execute(query)).all()
        return [
            SalesRow(key, int(n), int(seats), int(revenue), starts_at=starts)
            for key, n, seats, revenue, starts in found
        ]


def _merged(rows: Sequence[SalesRow], key_of: _KeyOf) -> list[SalesRow]:
    """Rows summed by the key `key_of` gives, in order of first appearance."""
    merged: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        sums = merged[key_of(row)]
        sums[0] += row.bookings
        sums[1] += row.seats_sold
        sums[2] += row.revenue_cents
    return [
        SalesRow(key, bookings, seats, revenue)
        for key, (bookings, seats, revenue) in merged.items()
    ]


class _KeyOf(Protocol):
    def __call__(self, row: SalesRow, /) -> str: ...
