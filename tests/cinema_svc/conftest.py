"""cinema_svc's servicer against a real, freshly migrated PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from google.protobuf.message import Message
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from cinema_svc.bookings import BookedSeats
from cinema_svc.grpc_api import CinemaServiceServicer, Context
from cinema_svc.models import outbox
from cinema_svc.settings import Settings
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.events.v1 import events_pb2
from deploy import infra
from svckit.db import make_engine
from svckit.identity import Caller, acting_as
from svckit.migrations import upgrade_to_head
from svckit.protoconv import to_timestamp
from svckit.vocabulary import Topic
from tests.conftest import scratch_database
from tests.identity import TEST_JWT_SECRET

MIGRATIONS = Path(__file__).resolve().parents[2] / "cinema_svc" / "migrations"
TOPIC_PREFIX = "unit."
KNOWN_MOVIES = frozenset({1, 2, 3})


class FakeContext:
    """Stands for a call's context; names the caller the server's identity check verified."""

    def __init__(self, caller: Caller | None) -> None:
        self.caller = caller


def context_of(caller: Caller | None) -> Context:
    return cast(Context, FakeContext(caller))


class VerifiedCalls:
    """The servicer called as the server calls it: with the context's caller verified."""

    def __init__(self, servicer: CinemaServiceServicer) -> None:
        self._servicer = servicer

    def __getattr__(self, method: str) -> Callable[[Message, Context], Awaitable[Message]]:
        handler = getattr(self._servicer, method)

        async def call(request: Message, context: Context) -> Message:
            with acting_as(cast(FakeContext, context).caller):
                return cast(Message, await handler(request, context))

        return call


ADMIN = context_of(Caller(user_id=1, role="admin"))
USER = context_of(Caller(user_id=2, role="user"))
ANONYMOUS = context_of(None)


class FakeMovies:
    """The movies movie_svc knows; remembers which ids were asked about."""

    def __init__(self, known: Iterable[int]) -> None:
        self.known = set(known)
        self.asked: list[int] = []

    async def exists(self, movie_id: int) -> bool:
        self.asked.append(movie_id)
        return movie_id in self.known


class FakeBookings:
    """Seats booked in sessions, as booking_svc would report them; remembers what was asked."""

    def __init__(self) -> None:
        self.booked: list[BookedSeats] = []
        self.asked: list[list[int]] = []

    async def seats_booked(self, seat_ids: Sequence[int]) -> list[BookedSeats]:
        self.asked.append(list(seat_ids))
        wanted = set(seat_ids)
        found = [
            BookedSeats(b.session_id, b.starts_at, tuple(i for i in b.seat_ids if i in wanted))
            for b in self.booked
        ]
        return [b for b in found if b.seat_ids]


class Clock:
    """A clock the test can move forward."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture(scope="session")
def cinema_dsn(endpoints: infra.Endpoints) -> str:
    dsn = scratch_database("cinema_svc")
    upgrade_to_head(MIGRATIONS, dsn)
    return dsn


@pytest.fixture(scope="session")
async def engine(cinema_dsn: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(cinema_dsn, pool_size=25)
    yield engine
    await engine.dispose()


@pytest.fixture
async def clean_db(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE halls, seats, sessions, outbox, audit_log RESTART IDENTITY CASCADE")
        )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def movies() -> FakeMovies:
    return FakeMovies(KNOWN_MOVIES)


@pytest.fixture
def bookings() -> FakeBookings:
    return FakeBookings()


@pytest.fixture
def servicer(
    engine: AsyncEngine, clean_db: None, clock: Clock, movies: FakeMovies, bookings: FakeBookings
) -> CinemaServiceServicer:
    settings = Settings(kafka_topic_prefix=TOPIC_PREFIX, jwt_secret=TEST_JWT_SECRET)
    servicer = CinemaServiceServicer(engine, settings, movies, bookings, clock=clock)
    return cast(CinemaServiceServicer, VerifiedCalls(servicer))


async def new_hall(
    servicer: CinemaServiceServicer, number: int = 1, rows: int = 2, seats_per_row: int = 3
) -> cinema_pb2.Hall:
    request = cinema_pb2.CreateHallRequest(
        number=number, name=f"Hall {number}", rows=rows, seats_per_row=seats_per_row
    )
    return await servicer.CreateHall(request, ADMIN)


def session_request(
    hall_id: int,
    start: datetime,
    minutes: int = 120,
    *,
    movie_id: int = 1,
    base_price_cents: int = 1000,
) -> cinema_pb2.CreateSessionRequest:
    return cinema_pb2.CreateSessionRequest(
        movie_id=movie_id,
        hall_id=hall_id,
        start_time=to_timestamp(start),
        end_time=to_timestamp(start + timedelta(minutes=minutes)),
        base_price_cents=base_price_cents,
    )


async def session_events(engine: AsyncEngine) -> list[events_pb2.SessionChanged]:
    """Every SessionChanged in the outbox, oldest first, checking topic and key on the way."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
    events = []
    for row in rows:
        event = events_pb2.SessionChanged.FromString(row.payload)
        assert row.topic == TOPIC_PREFIX + Topic.SESSION_CHANGED
        assert row.key == str(event.session.id)
        assert row.event_type == "cinema.session.changed"
        assert str(row.event_id) == event.event_id
        events.append(event)
    return events
