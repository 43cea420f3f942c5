"""A fresh booking database, a fake cinema_svc, and a BookingService wired to both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.domain import SeatInfo, SessionSeating
from booking_svc.events import BookingEvents
from booking_svc.reports import Reports
from booking_svc.seating import SeatingCache
from booking_svc.service import BookingService
from booking_svc.ticket_codes import TicketSigner
from cinemapb.events.v1 import events_pb2
from deploy import infra
from svckit.db import make_engine
from svckit.migrations import migrations_dir, upgrade_to_head
from tests.conftest import scratch_database

PREFIX = "unit."
SIGNER = TicketSigner(b"a ticket signing key for the tests, 32+ bytes")


def hall_seats() -> dict[int, SeatInfo]:
    """Ten seats: row 1 standard (10.00), row 2 vip (15.00); ids 101..110."""
    seats = {}
    for index in range(10):
        row, number = divmod(index, 5)
        vip = row == 1
        seat_id = 101 + index
        seats[seat_id] = SeatInfo(
            seat_id=seat_id,
            row=row + 1,
            number=number + 1,
            type="vip" if vip else "standard",
            price_cents=1500 if vip else 1000,
        )
    return seats


class FakeCinema:
    """Sessions by id, as cinema_svc would serve them; counts loads."""

    def __init__(self) -> None:
        self.sessions: dict[int, SessionSeating] = {}
        self.loads = 0

    def add(
        self,
        session_id: int,
        *,
        starts_in: timedelta = timedelta(days=1),
        status: str = "scheduled",
    ) -> SessionSeating:
        starts = datetime.now(UTC) + starts_in
        seating = SessionSeating(
            session_id=session_id,
            hall_id=7,
            hall_name="Hall 7",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            status=status,
            seats=hall_seats(),
        )
        self.sessions[session_id] = seating
        return seating

    async def load(self, session_id: int) -> SessionSeating | None:
        self.loads += 1
        return self.sessions.get(session_id)


class FakeSessionMovies:
    """The movie each session shows, as cinema_svc would list them."""

    def __init__(self, movies: dict[int, int] | None = None) -> None:
        self.movies = dict(movies or {})
        self.calls = 0

    async def movies_of(self, session_ids: Sequence[int]) -> dict[int, int]:
        self.calls += 1
        return {i: self.movies[i] for i in session_ids if i in self.movies}


def reports_of(service: BookingService, movies: FakeSessionMovies | None = None) -> Reports:
    """Reports over the same database and seating as `service`, in UTC."""
    return Reports(
        service.database, service.seating, movies or FakeSessionMovies(), ZoneInfo("UTC")
    )


@pytest.fixture(scope="session")
async def engine(endpoints: infra.Endpoints) -> AsyncIterator[AsyncEngine]:
    dsn = scratch_database("booking_engine")
    upgrade_to_head(migrations_dir("booking_svc"), dsn)
    db_engine = make_engine(dsn, pool_size=30)
    yield db_engine
    await db_engine.dispose()


@pytest.fixture
async def clean(engine: AsyncEngine) -> None:
    """An empty booking database for the test."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "TRUNCATE bookings, booking_seats, seat_map_versions, held_seat_counts,"
                " action_keys, tickets, outbox, payments, payment_webhook_events,"
                " demo_provider_payments, demo_provider_webhooks, waitlist_entries RESTART IDENTITY"
            )
        )


@pytest.fixture
def cinema() -> FakeCinema:
    fake = FakeCinema()
    fake.add(1)
    fake.add(2)
    return fake


ServiceFactory = Callable[..., BookingService]


@pytest.fixture
def make_service(engine: AsyncEngine, cinema: FakeCinema, clean: None) -> ServiceFactory:
    def make(
        *,
        db: AsyncEngine = engine,
        hold_seconds: int = 900,
        max_seats: int = 4,
        max_seats_per_user: int = 4,
        cancel_cutoff_minutes: int = 0,
        extend_seconds: int = 300,
        max_extensions: int = 1,
    ) -> BookingService:
        return BookingService(
            db,
            SeatingCache(cinema),
            BookingEvents(lambda name: PREFIX + name, SIGNER),
            hold_seconds=hold_seconds,
            max_seats=max_seats,
            max_seats_per_user=max_seats_per_user,
            cancel_cutoff_minutes=cancel_cutoff_minutes,
            extend_seconds=extend_seconds,
            max_extensions=max_extensions,
        )

    return make


@pytest.fixture
def service(make_service: ServiceFactory) -> BookingService:
    return make_service()


async def outbox_events(engine: AsyncEngine) -> list[tuple[str, str, events_pb2.BookingEvent]]:
    """(topic, key, event) of every outbox row, in outbox order."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT topic, key, payload FROM outbox ORDER BY id"))
        ).all()
    return [(r.topic, r.key, events_pb2.BookingEvent.FromString(r.payload)) for r in rows]
