"""Holding seats against a real database: the unique index decides, idempotency keys replay."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.domain import Payment, Status, request_hash, seats_to_hold
from booking_svc.repository import BookingRepository, Hold, SeatsTaken
from booking_svc.service import BookingService
from cinemapb.booking.v1 import booking_pb2
from svckit.db import make_engine
from svckit.errors import (
    AlreadyExists,
    Conflict,
    InvalidArgument,
    NotFound,
    ServiceError,
    Unauthenticated,
)
from svckit.identity import Caller
from tests.booking_svc.conftest import PREFIX, FakeCinema, ServiceFactory, outbox_events

ALICE = Caller(1, "user")
BOB = Caller(2, "user")


async def test_a_hold_is_pending_with_its_seats_prices_and_deadline(
    service: BookingService, engine: AsyncEngine
) -> None:
    booking = await service.hold(ALICE, 1, [106, 101])
    assert booking.status == Status.PENDING
    assert booking.payment_status == Payment.PENDING
    assert booking.user_id == ALICE.user_id
    assert [seat.seat_id for seat in booking.seats] == [101, 106]
    assert booking.total_price_cents == 1000 + 1500
    hold = booking.expires_at - booking.created_at
    assert timedelta(seconds=899) <= hold <= timedelta(seconds=901)


async def test_a_hold_writes_one_booking_created_event_keyed_by_session(
    service: BookingService, engine: AsyncEngine
) -> None:
    booking = await service.hold(ALICE, 1, [101, 102])
    [(topic, key, event)] = await outbox_events(engine)
    assert topic == PREFIX + "booking.created"
    assert key == "1"
    assert event.booking_id == str(booking.id)
    assert event.user_id == ALICE.user_id
    assert list(event.seat_ids) == [101, 102]
    assert event.status == booking_pb2.BOOKING_STATUS_PENDING
    assert event.total_price_cents == 2000
    assert event.seat_map_version == 1
    assert event.expires_at.ToDatetime().timestamp() == pytest.approx(
        booking.expires_at.timestamp()
    )
    assert [seat.price_cents for seat in event.seats] == [1000, 1000]


async def test_taken_seats_are_refused_with_their_ids_and_nothing_is_kept(
    service: BookingService, engine: AsyncEngine
) -> None:
    await service.hold(ALICE, 1, [101, 102])
    with pytest.raises(AlreadyExists) as refused:
        await service.hold(BOB, 1, [103, 102, 101])
    assert refused.value.code == "seats_taken"
    assert refused.value.details == {"seat_ids": [101, 102]}
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM bookings")) == 1
        assert await conn.scalar(text("SELECT count(*) FROM booking_seats")) == 2
    assert len(await outbox_events(engine)) == 1


@contextlib.asynccontextmanager
async def on_one_connection(
    make_service: ServiceFactory, engine: AsyncEngine
) -> AsyncIterator[tuple[BookingService, Callable[[], Awaitable[bool]]]]:
    """A service whose database pool is one connection, and a check that the hold statement
    is still prepared on it."""
    one_connection = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1)

    async def hold_statement_prepared() -> bool:
        async with one_connection.connect() as conn:
            prepared = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_prepared_statements"
                    " WHERE statement LIKE '%INSERT INTO bookings%'"
                )
            )
        return bool(prepared == 1)

    try:
        yield make_service(db=one_connection), hold_statement_prepared
    finally:
        await one_connection.dispose()


async def test_a_refusal_for_taken_seats_keeps_the_connections_prepared_statements(
    make_service: ServiceFactory, engine: AsyncEngine
) -> None:
    """Such a refusal commits nothing rather than rolling back, on which psycopg would drop
    the connection's prepared statements, the hold among them (DEALLOCATE ALL)."""
    async with on_one_connection(make_service, engine) as (service, hold_statement_prepared):
        await service.hold(ALICE, 1, [101])
        with pytest.raises(AlreadyExists):
            await service.hold(BOB, 1, [102, 101])
        assert await hold_statement_prepared()


async def test_reads_keep_the_connections_prepared_statements(
    make_service: ServiceFactory, engine: AsyncEngine
) -> None:
    """A read ends its transaction with a commit (svckit.db.reading): closing a session rolls
    back, and psycopg drops the connection's prepared statements on a rollback."""
    async with on_one_connection(make_service, engine) as (service, hold_statement_prepared):
        held = await service.hold(ALICE, 1, [101])
        assert (await service.get(ALICE, str(held.id))).id == held.id
        assert await service.seconds_until_next_hold_deadline() is not None
        assert await hold_statement_prepared()


async def test_a_retry_racing_its_first_request_finds_the_key_not_the_seats_taken(
    service: BookingService,
) -> None:
    """Seats the same user holds under the same key are the retry's own: the statement
    reports the key taken (the service then replays the first answer), not the seats."""
    await service.hold(ALICE, 1, [101, 102], idempotency_key="twice")
    seating = await service.seating.get(1)
    assert seating is not None

    async def hold_again(caller: Caller) -> Hold | SeatsTaken | None:
        async with service.database.begin() as db:
            return await BookingRepository(db).hold(
                user_id=caller.user_id,
                seating=seating,
                seats=seats_to_hold(seating, [101, 102]),
                hold=timedelta(minutes=15),
                max_held=4,
                idempotency_key="twice",
                request_hash=request_hash(1, [101, 102]),
            )

    assert await hold_again(ALICE) is None
    assert await hold_again(BOB) == SeatsTaken(frozenset({101, 102}))


async def test_the_same_seat_in_another_session_is_a_different_seat(
    service: BookingService,
) -> None:
    await service.hold(ALICE, 1, [101])
    booking = await service.hold(BOB, 2, [101])
    assert booking.session_id == 2


async def test_of_many_concurrent_holds_on_the_same_seats_exactly_one_wins(
    service: BookingService,
) -> None:
    results = await asyncio.gather(
        *(service.hold(Caller(100 + i, "user"), 1, [104, 105]) for i in range(25)),
        return_exceptions=True,
    )
    wins = [r for r in results if not isinstance(r, BaseException)]
    losses = [r for r in results if isinstance(r, BaseException)]
    assert len(wins) == 1
    assert all(isinstance(r, AlreadyExists) and r.code == "seats_taken" for r in losses)


async def test_overlapping_concurrent_holds_never_share_a_seat_nor_deadlock(
    service: BookingService, engine: AsyncEngine
) -> None:
    rng = random.Random(7)
    requests = [rng.sample(range(101, 111), rng.randint(1, 4)) for _ in range(40)]
    results = await asyncio.gather(
        *(service.hold(Caller(200 + i, "user"), 1, seats) for i, seats in enumerate(requests)),
        return_exceptions=True,
    )
    unexpected = [
        r
        for r in results
        if isinstance(r, BaseException)
        and not (isinstance(r, ServiceError) and r.code == "seats_taken")
    ]
    assert unexpected == []
    won = [seat.seat_id for r in results if not isinstance(r, BaseException) for seat in r.seats]
    assert len(won) == len(set(won))
    async with engine.connect() as conn:
        doubled = await conn.scalar(
            text(
                "SELECT count(*) FROM (SELECT seat_id FROM booking_seats WHERE active"
                " GROUP BY session_id, seat_id HAVING count(*) > 1) d"
            )
        )
    assert doubled == 0


@pytest.mark.parametrize(
    ("seats", "error", "code"),
    [
        ([], InvalidArgument, "no_seats"),
        ([101, 101], InvalidArgument, "duplicate_seats"),
        ([101, 102, 103, 104, 105], InvalidArgument, "too_many_seats"),
        ([101, 999, 998], InvalidArgument, "seat_not_in_hall"),
    ],
)
async def test_a_bad_request_is_refused_before_anything_is_written(
    service: BookingService,
    engine: AsyncEngine,
    seats: list[int],
    error: type[ServiceError],
    code: str,
) -> None:
    with pytest.raises(error) as refused:
        await service.hold(ALICE, 1, seats)
    assert refused.value.code == code
    assert await outbox_events(engine) == []


async def test_seats_not_in_the_hall_are_named(service: BookingService) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await service.hold(ALICE, 1, [101, 999, 998])
    assert refused.value.details == {"seat_ids": [998, 999]}


async def test_the_session_must_exist_be_live_and_not_started(
    service: BookingService, cinema: FakeCinema
) -> None:
    cinema.add(3, status="cancelled")
    cinema.add(4, starts_in=timedelta(seconds=-1))
    cinema.add(5, status="ongoing")
    with pytest.raises(NotFound) as missing:
        await service.hold(ALICE, 99, [101])
    assert missing.value.code == "session_not_found"
    for session_id, code in [
        (3, "session_cancelled"),
        (4, "session_started"),
        (5, "session_started"),
    ]:
        with pytest.raises(Conflict) as refused:
            await service.hold(ALICE, session_id, [101])
        assert refused.value.code == code


async def test_a_hold_needs_a_caller(service: BookingService) -> None:
    with pytest.raises(Unauthenticated):
        await service.hold(None, 1, [101])


async def test_a_repeated_idempotency_key_returns_the_original_booking(
    service: BookingService, engine: AsyncEngine
) -> None:
    first = await service.hold(ALICE, 1, [101, 102], idempotency_key="k-1")
    again = await service.hold(ALICE, 1, [102, 101], idempotency_key="k-1")
    assert again == first
    assert len(await outbox_events(engine)) == 1


async def test_a_repeated_key_replays_even_after_the_session_started(
    service: BookingService, cinema: FakeCinema
) -> None:
    first = await service.hold(ALICE, 1, [101], idempotency_key="k-1")
    cinema.add(1, starts_in=timedelta(seconds=-5))
    service.seating.invalidate(1)
    assert (await service.hold(ALICE, 1, [101], idempotency_key="k-1")).id == first.id


async def test_a_key_reused_for_another_request_is_refused(service: BookingService) -> None:
    await service.hold(ALICE, 1, [101], idempotency_key="k-1")
    with pytest.raises(InvalidArgument) as refused:
        await service.hold(ALICE, 1, [102], idempotency_key="k-1")
    assert refused.value.code == "idempotency_key_reused"


async def test_idempotency_keys_belong_to_one_user(service: BookingService) -> None:
    mine = await service.hold(ALICE, 1, [101], idempotency_key="same")
    theirs = await service.hold(BOB, 1, [102], idempotency_key="same")
    assert mine.id != theirs.id


async def test_concurrent_requests_with_one_key_make_one_booking(
    service: BookingService, engine: AsyncEngine
) -> None:
    results = await asyncio.gather(
        *(service.hold(ALICE, 1, [107, 108], idempotency_key="retry-me") for _ in range(10))
    )
    assert len({booking.id for booking in results}) == 1
    assert all(booking == results[0] for booking in results)
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM bookings")) == 1


async def test_a_key_whose_first_request_failed_can_be_used_again(
    service: BookingService,
) -> None:
    await service.hold(BOB, 1, [101])
    with pytest.raises(AlreadyExists):
        await service.hold(ALICE, 1, [101], idempotency_key="k-1")
    booking = await service.hold(ALICE, 1, [102], idempotency_key="k-1")
    assert booking.status == Status.PENDING


async def test_keys_older_than_a_day_are_forgotten(
    service: BookingService, engine: AsyncEngine
) -> None:
    old = await service.hold(ALICE, 1, [101], idempotency_key="old")
    await service.hold(ALICE, 1, [102], idempotency_key="new")
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE bookings SET created_at = now() - interval '25 hours' WHERE id = :id"),
            {"id": old.id},
        )
    assert await service.purge_idempotency_keys() == 1
    reused = await service.hold(ALICE, 1, [103], idempotency_key="old")
    assert reused.id != old.id


async def test_seats_are_priced_from_the_cache_with_a_single_load(
    make_service: ServiceFactory, cinema: FakeCinema
) -> None:
    service = make_service()
    for user in range(5):
        await service.hold(Caller(300 + user, "user"), 1, [101 + user])
    assert cinema.loads == 1
