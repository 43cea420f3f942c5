"""The waiting list against a real database: joining, leaving, and serving oldest first when
seats free, without ever giving one seat to two bookings."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.domain import Booking, SeatInfo, SessionSeating, Source, Status
from booking_svc.service import BookingService
from booking_svc.waitlist.rules import EntryStatus, seats_for
from booking_svc.waitlist.service import Waitlist
from svckit.errors import AlreadyExists, Conflict, InvalidArgument, NotFound, ServiceError
from svckit.identity import Caller
from tests.booking_svc.conftest import PREFIX, FakeCinema, outbox_events
from tests.booking_svc.test_lifecycle import shift

ALICE = Caller(1, "user")
BOB = Caller(2, "user")
ROW_ONE = [101, 102, 103, 104, 105]
ROW_TWO = [106, 107, 108, 109, 110]


@pytest.fixture
def waitlist(service: BookingService) -> Waitlist:
    return Waitlist(service, hold_seconds=600)


async def fill(service: BookingService, session_id: int, groups: list[list[int]]) -> list[Booking]:
    """Holds each group of seats for a user of its own (ids 100, 101, ...)."""
    return [
        await service.hold(Caller(100 + index, "user"), session_id, group)
        for index, group in enumerate(groups)
    ]


async def live_seats(engine: AsyncEngine, session_id: int) -> list[tuple[int, str, str]]:
    """(seat, booking source, booking status) of every active seat of the session."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT s.seat_id, b.source, b.status FROM booking_seats s"
                " JOIN bookings b ON b.id = s.booking_id"
                " WHERE s.session_id = :session AND s.active ORDER BY s.seat_id"
            ),
            {"session": session_id},
        )
        return [tuple(row) for row in rows]


async def test_joining_a_full_session_waits_and_one_entry_per_person(
    service: BookingService, waitlist: Waitlist
) -> None:
    await fill(service, 1, [ROW_ONE[:4], [ROW_ONE[4], *ROW_TWO[:3]], ROW_TWO[3:]])
    entry = await waitlist.join(ALICE, 1, 2, True)
    assert (entry.status, entry.count, entry.together, entry.booking_id) == (
        EntryStatus.WAITING,
        2,
        True,
        None,
    )
    with pytest.raises(AlreadyExists) as refused:
        await waitlist.join(ALICE, 1, 3, False)
    assert refused.value.code == "waitlist_exists"
    assert [e.id for e in await waitlist.mine(ALICE)] == [entry.id]
    assert await waitlist.mine(BOB) == []


@pytest.mark.parametrize("count", [0, 5, -1])
async def test_a_count_outside_one_to_the_booking_limit_is_refused(
    waitlist: Waitlist, count: int
) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await waitlist.join(ALICE, 1, count, False)
    assert refused.value.code == "invalid_seat_count"


async def test_sessions_that_cannot_be_booked_have_no_waiting_list(
    waitlist: Waitlist, cinema: FakeCinema
) -> None:
    cinema.add(3, starts_in=timedelta(minutes=-1))
    cinema.add(4, status="cancelled")
    for session_id, code in ((3, "session_started"), (4, "session_cancelled")):
        with pytest.raises(Conflict) as refused:
            await waitlist.join(ALICE, session_id, 1, False)
        assert refused.value.code == code
    with pytest.raises(NotFound):
        await waitlist.join(ALICE, 99, 1, False)


async def test_leaving_cancels_the_entry_once_and_only_for_its_owner(
    service: BookingService, waitlist: Waitlist
) -> None:
    await fill(service, 1, [ROW_ONE[:4], [ROW_ONE[4], *ROW_TWO[:3]], ROW_TWO[3:]])
    entry = await waitlist.join(ALICE, 1, 1, False)
    with pytest.raises(NotFound) as missing:
        await waitlist.leave(BOB, entry.id)
    assert missing.value.code == "waitlist_entry_not_found"
    left = await waitlist.leave(ALICE, entry.id)
    assert left.status == EntryStatus.CANCELLED
    with pytest.raises(Conflict) as refused:
        await waitlist.leave(ALICE, entry.id)
    assert refused.value.code == "waitlist_entry_not_waiting"
    again = await waitlist.join(ALICE, 1, 1, False)
    assert again.status == EntryStatus.WAITING


async def test_free_seats_are_held_at_once_for_a_new_entry(
    service: BookingService, waitlist: Waitlist, engine: AsyncEngine
) -> None:
    entry = await waitlist.join(ALICE, 1, 3, True)
    assert entry.status == EntryStatus.SERVED
    booking = await service.get(ALICE, str(entry.booking_id))
    assert booking.source == Source.WAITLIST
    assert booking.status == Status.PENDING
    assert (
        timedelta(seconds=599) <= booking.expires_at - booking.created_at <= timedelta(seconds=601)
    )
    seats = [seat.seat_id for seat in booking.seats]
    assert seats == [106, 107, 108]  # as best available picks them: centred, no seat stranded
    [(topic, _, event)] = await outbox_events(engine)
    assert topic == PREFIX + "booking.created"
    assert event.source == 2
    assert event.extensions == 0


async def test_freed_seats_go_to_the_oldest_entry_they_satisfy_others_keep_their_place(
    service: BookingService, waitlist: Waitlist
) -> None:
    pair, single, *_ = await fill(
        service, 1, [[101, 102], [104], [103, 105, 106], [107, 108, 109, 110]]
    )
    four = await waitlist.join(Caller(11, "user"), 1, 4, True)
    two = await waitlist.join(Caller(12, "user"), 1, 2, True)
    scattered = await waitlist.join(Caller(13, "user"), 1, 2, False)
    await service.cancel(Caller(100, "user"), str(pair.id))
    assert await waitlist.serve(1) != []
    assert (await waitlist.mine(Caller(12, "user")))[0].status == EntryStatus.SERVED
    assert two.status == EntryStatus.WAITING
    assert (await waitlist.mine(Caller(11, "user")))[0].status == EntryStatus.WAITING
    assert (await waitlist.mine(Caller(13, "user")))[0].status == EntryStatus.WAITING
    assert await waitlist.serve(1) == []
    await service.cancel(Caller(101, "user"), str(single.id))
    assert await waitlist.serve(1) == []
    assert (await waitlist.mine(Caller(13, "user")))[0].status == EntryStatus.WAITING
    assert four.status == scattered.status == EntryStatus.WAITING


async def test_expired_holds_free_seats_for_the_waiting_list(
    service: BookingService, waitlist: Waitlist, engine: AsyncEngine
) -> None:
    first, _, _ = await fill(service, 1, [ROW_ONE[:4], [ROW_ONE[4], *ROW_TWO[:3]], ROW_TWO[3:]])
    freed: list[int] = []
    service.on_seats_freed = freed.extend
    entry = await waitlist.join(ALICE, 1, 4, True)
    await shift(engine, first, "expires_at", -1)
    assert await service.expire_due() == 1
    assert freed == [1]
    [held] = await waitlist.serve(1)
    assert [seat.seat_id for seat in held.seats] == ROW_ONE[:4]
    assert held.user_id == ALICE.user_id
    assert (await waitlist.mine(ALICE))[0].booking_id == held.id
    assert entry.status == EntryStatus.WAITING


async def test_a_cancelled_session_ends_its_waiting_entries(
    service: BookingService, waitlist: Waitlist, cinema: FakeCinema
) -> None:
    await fill(service, 1, [ROW_ONE[:4], [ROW_ONE[4], *ROW_TWO[:3]], ROW_TWO[3:]])
    await waitlist.join(ALICE, 1, 2, False)
    cinema.add(1, status="cancelled")
    service.seating.invalidate(1)
    await service.cancel_session(1)
    assert await waitlist.serve(1) == []
    assert (await waitlist.mine(ALICE))[0].status == EntryStatus.ENDED


async def test_an_entry_whose_owner_holds_too_many_seats_waits_for_the_next_chance(
    service: BookingService, waitlist: Waitlist
) -> None:
    own = await service.hold(ALICE, 1, [101, 102, 103])
    pair, _, single = await fill(service, 1, [[104, 105], ROW_TWO[:4], [110]])
    entry = await waitlist.join(ALICE, 1, 2, False)
    await service.cancel(Caller(100, "user"), str(pair.id))
    await service.cancel(Caller(102, "user"), str(single.id))
    assert await waitlist.serve(1) == []
    assert (await waitlist.mine(ALICE))[0].status == EntryStatus.WAITING
    await service.cancel(ALICE, str(own.id))
    [held] = await waitlist.serve(1)
    assert (
        (await waitlist.mine(ALICE))[0].booking_id
        == held.id
        == ((await waitlist.mine(ALICE))[0].booking_id)
    )
    assert entry.id == (await waitlist.mine(ALICE))[0].id


async def test_the_serving_loop_serves_only_sessions_with_someone_waiting(
    service: BookingService, waitlist: Waitlist, cinema: FakeCinema
) -> None:
    pair, *_ = await fill(service, 1, [ROW_ONE[:2], ROW_ONE[2:], ROW_TWO[:4], ROW_TWO[4:]])
    await waitlist.join(ALICE, 1, 2, True)
    await service.cancel(Caller(100, "user"), str(pair.id))
    cinema.add(2)
    loads = cinema.loads
    serving = asyncio.create_task(waitlist.run())
    try:
        # seats freed in sessions nobody waits for (one unknown to the cinema) cost no lookup
        waitlist.request_serving([1, 2, 99])
        for _ in range(100):
            if (await waitlist.mine(ALICE))[0].status == EntryStatus.SERVED:
                break
            await asyncio.sleep(0.02)
    finally:
        serving.cancel()
    assert (await waitlist.mine(ALICE))[0].status == EntryStatus.SERVED
    assert cinema.loads == loads


def big_session(session_id: int, rows: int, per_row: int) -> SessionSeating:
    seats = {}
    for row in range(1, rows + 1):
        for number in range(1, per_row + 1):
            seat_id = 1000 + row * 100 + number
            seats[seat_id] = SeatInfo(seat_id, row, number, "standard", 1000)
    starts = datetime.now(UTC) + timedelta(days=1)
    return SessionSeating(
        session_id, 7, "Hall 7", starts, starts + timedelta(hours=2), "scheduled", seats
    )


async def test_twenty_entries_and_a_mix_of_expiries_and_cancellations_follow_the_model(
    service: BookingService, waitlist: Waitlist, cinema: FakeCinema, engine: AsyncEngine
) -> None:
    """Every auto-hold goes to the oldest entry the free seats satisfy, as a model of the
    rule computes it, and no seat is ever in two live bookings."""
    rng = random.Random(15)
    seating = big_session(7, rows=4, per_row=6)
    cinema.sessions[7] = seating
    seat_ids = sorted(seating.seats)
    groups, rest = [], list(seat_ids)
    while rest:
        size = rng.choice((1, 2, 3))
        groups.append(rest[:size])
        rest = rest[size:]
    holders = await fill(service, 7, groups)
    waiting = []
    for index in range(20):
        caller = Caller(200 + index, "user")
        entry = await waitlist.join(caller, 7, rng.choice((2, 3, 4)), rng.random() < 0.5)
        assert entry.status == EntryStatus.WAITING
        waiting.append(entry)
    model_free: set[int] = set()
    open_entries = list(waiting)
    rng.shuffle(holders)
    for index, booking in enumerate(holders):
        if index % 2:
            await shift(engine, booking, "expires_at", -1)
            await service.expire_due()
        else:
            await service.cancel(Caller(booking.user_id, "user"), str(booking.id))
        model_free |= {seat.seat_id for seat in booking.seats}
        expected = {}
        for entry in list(open_entries):
            chosen = seats_for(seating.ordered_seats(), model_free, entry.count, entry.together)
            if chosen is not None:
                expected[entry.user_id] = [seat.seat_id for seat in chosen]
                model_free -= set(expected[entry.user_id])
                open_entries.remove(entry)
        held = await waitlist.serve(7)
        assert {b.user_id: [s.seat_id for s in b.seats] for b in held} == expected
        assert [b.user_id for b in held] == list(expected)
    seats = await live_seats(engine, 7)
    assert len(seats) == len({seat for seat, _, _ in seats})
    async with engine.connect() as conn:
        served = await conn.scalar(
            text("SELECT count(*) FROM waitlist_entries WHERE status = 'served'")
        )
        bookings = await conn.scalar(
            text("SELECT count(*) FROM bookings WHERE source = 'waitlist'")
        )
    assert served == bookings == len(waiting) - len(open_entries)
    assert served > 5


async def test_a_customer_racing_the_waiting_list_wins_the_seats_or_gets_the_usual_409(
    service: BookingService, waitlist: Waitlist, cinema: FakeCinema, engine: AsyncEngine
) -> None:
    outcomes = set()
    for attempt in range(10):
        session_id = 20 + attempt
        seating = big_session(session_id, rows=1, per_row=4)
        cinema.sessions[session_id] = seating
        seats = sorted(seating.seats)
        blocker = await service.hold(Caller(300, "user"), session_id, seats)
        await waitlist.join(Caller(301 + attempt, "user"), session_id, 2, False)
        await service.cancel(Caller(300, "user"), str(blocker.id))
        served, *manual = await asyncio.gather(
            waitlist.serve(session_id),
            service.hold(Caller(350, "user"), session_id, seats[:2]),
            service.hold(Caller(351, "user"), session_id, seats[1:3]),
            service.hold(Caller(352, "user"), session_id, seats[2:]),
            return_exceptions=True,
        )
        assert isinstance(served, list)
        refused = [r for r in manual if isinstance(r, BaseException)]
        assert all(isinstance(r, ServiceError) and r.code == "seats_taken" for r in refused)
        won = [r for r in manual if isinstance(r, Booking)]
        given = [seat.seat_id for booking in [*won, *served] for seat in booking.seats]
        assert len(given) == len(set(given))
        live = await live_seats(engine, session_id)
        assert sorted(seat for seat, _, _ in live) == sorted(given)
        entry_status = (await waitlist.mine(Caller(301 + attempt, "user")))[0].status
        assert entry_status == (EntryStatus.SERVED if served else EntryStatus.WAITING)
        outcomes.add((len(served), len(won)))
    assert len(outcomes) >= 1


async def test_entries_end_when_their_session_starts(
    service: BookingService, waitlist: Waitlist, engine: AsyncEngine
) -> None:
    await fill(service, 1, [ROW_ONE[:4], [ROW_ONE[4], *ROW_TWO[:3]], ROW_TWO[3:]])
    entry = await waitlist.join(ALICE, 1, 2, False)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE waitlist_entries SET session_starts_at = now() - interval '1 second'"
                " WHERE id = :id"
            ),
            {"id": entry.id},
        )
    assert (await waitlist.mine(ALICE))[0].status == EntryStatus.ENDED
    with pytest.raises(Conflict) as refused:
        await waitlist.leave(ALICE, entry.id)
    assert refused.value.code == "waitlist_entry_not_waiting"
    assert await waitlist.sweep() == 0
    async with engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT status FROM waitlist_entries WHERE id = :id"), {"id": entry.id}
        )
    assert stored == "ended"
