"""Booking rules of issue 11: a per-user cap on held seats, and nothing paid or refunded once
the session has started."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.domain import PAYMENT_AFTER, Action, Booking, Payment, SeatInfo, Status
from booking_svc.service import BookingService, SessionUpdate
from svckit.errors import Conflict, ServiceError
from svckit.identity import Caller
from tests.booking_svc.conftest import FakeCinema, ServiceFactory, outbox_events

ALICE = Caller(1, "user")
BOB = Caller(2, "user")
ADMIN = Caller(99, "admin")
BIG_SESSION = 50
"""A session whose hall has 200 seats, ids 1001..1200."""

HELD_BY_USER = text(
    "SELECT b.session_id, b.user_id, count(*) FROM bookings b"
    " JOIN booking_seats s ON s.booking_id = b.id"
    " WHERE b.status = 'pending' GROUP BY b.session_id, b.user_id"
)


COUNTED = text("SELECT session_id, user_id, seats FROM held_seat_counts WHERE seats <> 0")


async def held_seats(engine: AsyncEngine) -> dict[tuple[int, int], int]:
    """Seats in pending bookings per (session, user), counted from the bookings themselves;
    checks that the counts the hold statement keeps say the same."""
    async with engine.connect() as conn:
        held = {(s, u): n for s, u, n in (await conn.execute(HELD_BY_USER)).all()}
        counted = {(s, u): n for s, u, n in (await conn.execute(COUNTED)).all()}
    assert counted == held
    return held


@pytest.fixture
def big_hall(cinema: FakeCinema) -> None:
    seating = cinema.add(BIG_SESSION)
    seats = {
        1001 + i: SeatInfo(1001 + i, i // 20 + 1, i % 20 + 1, "standard", 1000) for i in range(200)
    }
    cinema.sessions[BIG_SESSION] = replace(seating, seats=seats)


async def paid_for(service: BookingService, caller: Caller, session_id: int, seat: int) -> Booking:
    """A booking of one seat, held and paid for."""
    held = await service.hold(caller, session_id, [seat])
    return await service.confirm(caller, str(held.id))


async def past_deadline(engine: AsyncEngine, *held: Booking) -> None:
    """Moves the holds' deadlines to just before now (database clock)."""
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE bookings SET expires_at = now() - interval '1 ms' WHERE id = ANY(:ids)"),
            {"ids": [booking.id for booking in held]},
        )


def refused_as(result: object, code: str) -> bool:
    return isinstance(result, ServiceError) and result.code == code


@pytest.mark.parametrize("action", list(Action))
def test_the_payment_an_ending_leaves_tells_whether_the_booking_was_a_hold(
    action: Action,
) -> None:
    """The SQL tells ended holds from paid bookings by the payment status they leave."""
    after = PAYMENT_AFTER[action]
    if Payment.PENDING in after:
        others = [new for old, new in after.items() if old != Payment.PENDING]
        assert after[Payment.PENDING] not in others


# -- item 12: at most BOOKING_MAX_SEATS_PER_USER held seats per user per session ------------------


async def test_a_user_holds_at_most_four_seats_of_a_session(
    service: BookingService, engine: AsyncEngine
) -> None:
    await service.hold(ALICE, 1, [101, 102])
    await service.hold(ALICE, 1, [103])
    with pytest.raises(Conflict) as refused:
        await service.hold(ALICE, 1, [104, 105])
    assert refused.value.code == "hold_limit"
    assert refused.value.details == {"max_seats_per_user": 4}
    await service.hold(ALICE, 1, [104])
    with pytest.raises(Conflict) as again:
        await service.hold(ALICE, 1, [105])
    assert again.value.code == "hold_limit"
    assert await held_seats(engine) == {(1, ALICE.user_id): 4}
    assert len(await outbox_events(engine)) == 3


async def test_the_limit_is_per_user_and_per_session(service: BookingService) -> None:
    await service.hold(ALICE, 1, [101, 102, 103, 104])
    assert (await service.hold(BOB, 1, [105, 106, 107, 108])).status == Status.PENDING
    assert (await service.hold(ALICE, 2, [101, 102, 103, 104])).status == Status.PENDING


async def test_the_limit_is_a_setting(make_service: ServiceFactory) -> None:
    service = make_service(max_seats_per_user=2)
    with pytest.raises(Conflict) as too_many:
        await service.hold(ALICE, 1, [101, 102, 103])
    assert too_many.value.code == "hold_limit"
    await service.hold(ALICE, 1, [101, 102])
    with pytest.raises(Conflict):
        await service.hold(ALICE, 1, [103])


async def test_seats_count_only_while_their_hold_is_pending(
    service: BookingService, engine: AsyncEngine
) -> None:
    paid = await service.hold(ALICE, 1, [101, 102])
    await service.confirm(ALICE, str(paid.id))
    dropped = await service.hold(ALICE, 1, [103, 104])
    await service.cancel(ALICE, str(dropped.id))
    by_admin = await service.hold(ALICE, 1, [105, 106])
    await service.cancel(ADMIN, str(by_admin.id))
    lapsed = await service.hold(ALICE, 1, [107, 108])
    await past_deadline(engine, lapsed)
    assert await service.expire_due() == 1
    await service.hold(ALICE, 1, [103, 104, 105, 106])
    assert await held_seats(engine) == {(1, ALICE.user_id): 4}


async def test_a_cancelled_session_releases_what_its_holds_counted(
    service: BookingService, engine: AsyncEngine, cinema: FakeCinema
) -> None:
    await service.hold(ALICE, 1, [101, 102, 103])
    await service.cancel_session(1)
    cinema.add(1)
    await service.apply_session_update(
        SessionUpdate(1, cinema.sessions[1].starts_at, cinema.sessions[1].ends_at, False)
    )
    await service.hold(ALICE, 1, [104, 105, 106, 107])
    assert await held_seats(engine) == {(1, ALICE.user_id): 4}


async def test_a_retry_with_the_key_of_a_hold_that_filled_the_limit_replays_it(
    service: BookingService,
) -> None:
    results = await asyncio.gather(
        *(service.hold(ALICE, 1, [101, 102, 103], idempotency_key="k-1") for _ in range(10))
    )
    assert len({booking.id for booking in results}) == 1


async def test_many_concurrent_single_seat_holds_by_one_user_get_exactly_four(
    service: BookingService, engine: AsyncEngine, big_hall: None
) -> None:
    results = await asyncio.gather(
        *(service.hold(ALICE, BIG_SESSION, [1001 + i]) for i in range(60)),
        return_exceptions=True,
    )
    wins = [r for r in results if isinstance(r, Booking)]
    assert len(wins) == 4
    assert all(refused_as(r, "hold_limit") for r in results if not isinstance(r, Booking))
    assert await held_seats(engine) == {(BIG_SESSION, ALICE.user_id): 4}


async def test_concurrent_holds_of_mixed_sizes_by_one_user_never_pass_the_limit(
    service: BookingService, engine: AsyncEngine, big_hall: None
) -> None:
    seats = list(range(1001, 1201))
    random.Random(11).shuffle(seats)
    requests, rest = [], seats
    for size in [random.Random(i).randint(1, 4) for i in range(50)]:
        requests.append(rest[:size])
        rest = rest[size:]
    results = await asyncio.gather(
        *(service.hold(ALICE, BIG_SESSION, wanted) for wanted in requests),
        return_exceptions=True,
    )
    assert all(refused_as(r, "hold_limit") for r in results if not isinstance(r, Booking))
    held = await held_seats(engine)
    won = sum(len(r.seats) for r in results if isinstance(r, Booking))
    assert held == {(BIG_SESSION, ALICE.user_id): won}
    assert 1 <= won <= 4


async def test_concurrent_holds_and_cancellations_keep_the_count_exact(
    service: BookingService, engine: AsyncEngine, big_hall: None
) -> None:
    """Holds and cancellations by one user at once: the limit still holds, and once the
    churn is over the user can hold exactly what they do not hold yet."""
    first = [await service.hold(ALICE, BIG_SESSION, [1001 + i]) for i in range(4)]

    async def cancel(booking: Booking) -> object:
        return await service.cancel(ALICE, str(booking.id))

    churn = [cancel(booking) for booking in first] + [
        service.hold(ALICE, BIG_SESSION, [1100 + i]) for i in range(20)
    ]
    results = await asyncio.gather(*churn, return_exceptions=True)
    unexpected = [r for r in results if isinstance(r, BaseException)]
    assert all(refused_as(r, "hold_limit") for r in unexpected), unexpected
    held = (await held_seats(engine)).get((BIG_SESSION, ALICE.user_id), 0)
    assert held <= 4
    for seat in range(1150, 1150 + 4 - held):
        await service.hold(ALICE, BIG_SESSION, [seat])
    with pytest.raises(Conflict):
        await service.hold(ALICE, BIG_SESSION, [1199])


async def test_holding_again_the_seats_of_ones_expiring_holds_neither_deadlocks_nor_drifts(
    service: BookingService, engine: AsyncEngine, big_hall: None
) -> None:
    """The expirer locks bookings, then counts, then seats; a hold locks its count, then
    seats: both orders agree, so a user re-holding the very seats being expired waits at
    worst, and the count stays exact."""
    for round_ in range(5):
        seats = [1001 + 4 * round_ + i for i in range(4)]
        mine = [await service.hold(ALICE, BIG_SESSION, [seat]) for seat in seats]
        await past_deadline(engine, *mine)
        again = [service.hold(ALICE, BIG_SESSION, [seat]) for seat in seats * 2]
        results = await asyncio.gather(service.expire_due(limit=1), *again, return_exceptions=True)
        expired, *holds = results
        assert expired == 4
        unexpected = [
            r
            for r in holds
            if isinstance(r, BaseException)
            and not (refused_as(r, "hold_limit") or refused_as(r, "seats_taken"))
        ]
        assert unexpected == []
        await held_seats(engine)
        await service.cancel_session(BIG_SESSION)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE seat_map_versions SET session_cancelled = false"))
        assert await held_seats(engine) == {}


LOCK_COUNT = text(
    "SELECT seats FROM held_seat_counts WHERE session_id = 1 AND user_id = :user FOR UPDATE"
)


async def test_a_hold_takes_its_count_before_any_seat(
    service: BookingService, engine: AsyncEngine
) -> None:
    """While ALICE's count row is locked, her hold waits there and has claimed no seat yet."""
    await service.hold(ALICE, 1, [101])
    async with engine.connect() as blocker:
        await blocker.begin()
        await blocker.execute(LOCK_COUNT, {"user": ALICE.user_id})
        waiting = asyncio.create_task(service.hold(ALICE, 1, [102]))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        assert (await service.hold(BOB, 1, [102])).status == Status.PENDING
        await blocker.rollback()
    with pytest.raises(ServiceError) as refused:
        await waiting
    assert refused.value.code == "seats_taken"


async def test_an_ending_takes_the_count_before_the_seats(
    service: BookingService, engine: AsyncEngine
) -> None:
    """The lock order of the statements: an expiry waiting for ALICE's count row has not
    locked the seats yet, so it cannot deadlock with her hold of the same seats."""
    held = await service.hold(ALICE, 1, [101])
    await past_deadline(engine, held)
    async with engine.connect() as blocker:
        await blocker.begin()
        await blocker.execute(LOCK_COUNT, {"user": ALICE.user_id})
        expiring = asyncio.create_task(service.expire_due())
        await asyncio.sleep(0.3)
        assert not expiring.done()
        async with engine.connect() as probe:
            seat = text("SELECT 1 FROM booking_seats WHERE booking_id = :id FOR UPDATE NOWAIT")
            assert (await probe.execute(seat, {"id": held.id})).all() == [(1,)]
            await probe.rollback()
        await blocker.rollback()
    assert await expiring == 1
    assert await held_seats(engine) == {}


# -- item 13: no payment once the session started, no customer refund past the cutoff ------------


async def start_session_in(
    service: BookingService, cinema: FakeCinema, session_id: int, delta: timedelta
) -> None:
    """Moves the session as cinema_svc would announce it (a SessionChanged event)."""
    starts = datetime.now(UTC) + delta
    cinema.sessions[session_id] = replace(
        cinema.sessions[session_id], starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    await service.apply_session_update(
        SessionUpdate(session_id, starts, starts + timedelta(hours=2), cancelled=False)
    )


async def test_a_hold_cannot_be_paid_once_its_session_started(
    service: BookingService, engine: AsyncEngine, cinema: FakeCinema
) -> None:
    held = await service.hold(ALICE, 1, [101])
    await start_session_in(service, cinema, 1, timedelta(seconds=-3))
    with pytest.raises(Conflict) as refused:
        await service.confirm(ALICE, str(held.id))
    assert refused.value.code == "session_started"
    booking = await service.get(ALICE, str(held.id))
    assert (booking.status, booking.payment_status) == (Status.PENDING, Payment.PENDING)
    assert len(await outbox_events(engine)) == 1


async def test_the_start_is_read_in_the_database_not_in_a_stale_cache(
    service: BookingService, engine: AsyncEngine
) -> None:
    """The booking's copy of the start, kept current by SessionChanged, decides: a cached
    seating that still says "tomorrow" does not let a payment through."""
    held = await service.hold(ALICE, 1, [101])
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE bookings SET session_starts_at = now() - interval '1 s' WHERE id = :id"),
            {"id": held.id},
        )
    with pytest.raises(Conflict) as refused:
        await service.confirm(ALICE, str(held.id))
    assert refused.value.code == "session_started"


async def test_a_paid_booking_cannot_be_cancelled_by_its_owner_once_the_session_started(
    service: BookingService, engine: AsyncEngine, cinema: FakeCinema
) -> None:
    paid = await paid_for(service, ALICE, 1, 101)
    await start_session_in(service, cinema, 1, timedelta(seconds=-3))
    with pytest.raises(Conflict) as refused:
        await service.cancel(ALICE, str(paid.id))
    assert refused.value.code == "session_started"
    booking = await service.get(ALICE, str(paid.id))
    assert (booking.status, booking.payment_status) == (Status.CONFIRMED, Payment.PAID)
    assert len(await outbox_events(engine)) == 2


async def test_an_admin_still_cancels_and_refunds_after_the_start(
    service: BookingService, cinema: FakeCinema
) -> None:
    paid = await paid_for(service, ALICE, 1, 101)
    mine = await paid_for(service, ADMIN, 1, 102)
    await start_session_in(service, cinema, 1, timedelta(seconds=-3))
    cancelled = await service.cancel(ADMIN, str(paid.id))
    assert (cancelled.status, cancelled.payment_status) == (Status.CANCELLED, Payment.REFUNDED)
    assert (await service.cancel(ADMIN, str(mine.id))).status == Status.CANCELLED


async def test_an_unpaid_hold_can_still_be_released_after_the_start(
    service: BookingService, cinema: FakeCinema
) -> None:
    held = await service.hold(ALICE, 1, [101])
    await start_session_in(service, cinema, 1, timedelta(seconds=-3))
    cancelled = await service.cancel(ALICE, str(held.id))
    assert (cancelled.status, cancelled.payment_status) == (Status.CANCELLED, Payment.VOID)


async def test_customers_cannot_cancel_a_paid_booking_within_the_cutoff(
    make_service: ServiceFactory, cinema: FakeCinema
) -> None:
    service = make_service(cancel_cutoff_minutes=30)
    early = await paid_for(service, ALICE, 1, 101)
    late = await paid_for(service, ALICE, 2, 101)
    await start_session_in(service, cinema, 1, timedelta(minutes=31))
    await start_session_in(service, cinema, 2, timedelta(minutes=29))
    assert (await service.cancel(ALICE, str(early.id))).payment_status == Payment.REFUNDED
    with pytest.raises(Conflict) as refused:
        await service.cancel(ALICE, str(late.id))
    assert refused.value.code == "session_started"
    assert refused.value.details == {"cancel_cutoff_minutes": 30}
    assert (await service.cancel(ADMIN, str(late.id))).payment_status == Payment.REFUNDED


async def test_within_the_cutoff_a_hold_can_still_be_paid_before_the_start(
    make_service: ServiceFactory, cinema: FakeCinema
) -> None:
    service = make_service(cancel_cutoff_minutes=30)
    held = await service.hold(ALICE, 1, [101])
    await start_session_in(service, cinema, 1, timedelta(minutes=10))
    assert (await service.confirm(ALICE, str(held.id))).status == Status.CONFIRMED
