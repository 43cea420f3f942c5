"""The seat rules in the booking engine against the real database: orphan seats (also under
concurrent holds), companion seats, best available and giving back some seats of a booking."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.choosing import SeatChoice
from booking_svc.domain import SeatInfo, SessionSeating, Status
from booking_svc.events import BookingEvents
from booking_svc.seat_rules import NO_SEAT_RULES, SeatRules
from booking_svc.seating import SeatingCache
from booking_svc.selection import Wish
from booking_svc.service import BookingService
from cinemapb.events.v1 import events_pb2
from svckit.errors import Conflict, InvalidArgument, ServiceError
from svckit.identity import Caller
from tests.booking_svc.conftest import PREFIX, SIGNER, FakeCinema, outbox_events

ALICE = Caller(1, "user")
BOB = Caller(2, "user")
RULES = SeatRules(no_orphan_seats=True, orphan_rule_until=timedelta(minutes=30))
SESSION = 5


def rules_hall() -> dict[int, SeatInfo]:
    """Row 1: a wheelchair place (101), its companion seat (102), standard 103-106. Row 2:
    standard 201-206, an aisle, then 208-209."""
    kinds = {1: "wheelchair", 2: "companion"}
    places = [(1, n) for n in range(1, 7)] + [(2, n) for n in (1, 2, 3, 4, 5, 6, 8, 9)]
    return {
        100 * row + n: SeatInfo(
            100 * row + n, row, n, kinds.get(n, "standard") if row == 1 else "standard", 1000
        )
        for row, n in places
    }


def add_session(cinema: FakeCinema, session_id: int, starts_in: timedelta) -> SessionSeating:
    seating = replace(cinema.add(session_id, starts_in=starts_in), seats=rules_hall())
    cinema.sessions[session_id] = seating
    return seating


def make(engine: AsyncEngine, cinema: FakeCinema, rules: SeatRules) -> BookingService:
    return BookingService(
        engine,
        SeatingCache(cinema),
        BookingEvents(lambda name: PREFIX + name, SIGNER),
        hold_seconds=900,
        max_seats=4,
        max_seats_per_user=4,
        cancel_cutoff_minutes=0,
        seat_rules=rules,
    )


@pytest.fixture
def ruled(engine: AsyncEngine, cinema: FakeCinema, clean: None) -> BookingService:
    add_session(cinema, SESSION, timedelta(days=1))
    add_session(cinema, SESSION + 1, timedelta(minutes=20))
    return make(engine, cinema, RULES)


async def refusal(call: object) -> ServiceError:
    with pytest.raises(ServiceError) as refused:
        await call  # type: ignore[misc]
    return refused.value


async def test_a_hold_that_strands_a_seat_is_refused_naming_it(ruled: BookingService) -> None:
    refused = await refusal(ruled.hold(ALICE, SESSION, [202, 203]))
    assert isinstance(refused, InvalidArgument)
    assert (refused.code, refused.details["seat_id"]) == ("orphan_seat", 201)
    refused = await refusal(ruled.hold(ALICE, SESSION, [208]))
    assert (refused.code, refused.details["seat_id"]) == ("orphan_seat", 209)
    await ruled.hold(ALICE, SESSION, [208, 209])
    await ruled.hold(ALICE, SESSION, [201, 202])
    refused = await refusal(ruled.hold(BOB, SESSION, [204]))
    assert refused.details["stranded"] == [{"seat_id": 203, "row": 2, "number": 3}]


async def test_the_orphan_rule_yields_to_late_sales_and_to_its_switch(
    ruled: BookingService, engine: AsyncEngine, cinema: FakeCinema
) -> None:
    await ruled.hold(ALICE, SESSION + 1, [202, 203])
    await make(engine, cinema, NO_SEAT_RULES).hold(ALICE, SESSION, [202, 203])


async def test_two_holds_that_together_would_strand_a_seat_never_both_succeed(
    ruled: BookingService, engine: AsyncEngine
) -> None:
    for _round in range(5):
        outcomes = await asyncio.gather(
            ruled.hold(ALICE, SESSION, [201, 202]),
            ruled.hold(BOB, SESSION, [204, 205, 206]),
            return_exceptions=True,
        )
        refused = [o for o in outcomes if isinstance(o, ServiceError)]
        assert len(refused) == 1
        assert refused[0].code == "orphan_seat"
        assert refused[0].details["seat_id"] == 203
        async with engine.begin() as conn:
            live = (
                await conn.execute(text("SELECT count(*) FROM booking_seats WHERE active"))
            ).scalar_one()
            assert live in (2, 3)
            await conn.execute(
                text("TRUNCATE bookings, booking_seats, held_seat_counts, action_keys CASCADE")
            )


async def test_a_companion_seat_comes_only_with_the_wheelchair_place_beside_it(
    ruled: BookingService,
) -> None:
    for alone in ([102], [102, 103]):
        refused = await refusal(ruled.hold(ALICE, SESSION, alone))
        assert (refused.code, refused.details["seat_ids"]) == ("companion_needs_wheelchair", [102])
    held = await ruled.hold(ALICE, SESSION, [101, 102])
    assert [seat.type for seat in held.seats] == ["wheelchair", "companion"]


async def test_best_available_holds_the_best_pair_and_explains_when_none_is_left(
    ruled: BookingService,
) -> None:
    choice = SeatChoice(ruled)
    best = await choice.best_seats(SESSION, Wish(2))
    held = await choice.hold_best(ALICE, SESSION, Wish(2))
    assert [seat.seat_id for seat in held.seats] == best.seat_ids
    assert best.row == 2
    accessible = await choice.hold_best(BOB, SESSION, Wish(2, accessible=True))
    assert [seat.seat_id for seat in accessible.seats] == [101, 102]
    refused = await refusal(choice.best_seats(SESSION, Wish(4, seat_type="vip")))
    assert isinstance(refused, Conflict)
    assert (refused.code, refused.details["suggestion"]) == ("no_adjacent_seats", [])


async def test_giving_back_some_seats_frees_them_and_announces_the_new_total(
    ruled: BookingService, engine: AsyncEngine
) -> None:
    choice = SeatChoice(ruled)
    held = await ruled.hold(ALICE, SESSION, [203, 204, 205, 206])
    refused = await refusal(choice.release(ALICE, str(held.id), [206]))
    assert (refused.code, refused.details["seat_id"]) == ("orphan_seat", 206)
    refused = await refusal(choice.release(ALICE, str(held.id), [203, 204, 205, 206]))
    assert refused.code == "booking_would_be_empty"
    refused = await refusal(choice.release(ALICE, str(held.id), [101]))
    assert refused.code == "seat_not_in_booking"
    kept = await choice.release(ALICE, str(held.id), [205, 206], "release-1")
    assert [seat.seat_id for seat in kept.seats] == [203, 204]
    assert (kept.status, kept.total_price_cents) == (Status.PENDING, 2000)
    again = await choice.release(ALICE, str(held.id), [205, 206], "release-1")
    assert again.id == kept.id
    refused = await refusal(ruled.cancel(ALICE, str(held.id), "release-1"))
    assert refused.code == "idempotency_key_reused"
    *_, (topic, _key, event) = await outbox_events(engine)
    assert topic == PREFIX + "booking.cancelled"
    assert list(event.seat_ids) == [205, 206]
    assert event.reason == events_pb2.CANCEL_REASON_SEATS_RELEASED
    assert event.total_price_cents == 2000
    await ruled.hold(ALICE, SESSION, [205, 206])
    assert [s.seat_id for s in (await ruled.get(ALICE, str(held.id))).seats] == [203, 204]


async def test_giving_back_a_wheelchair_place_keeps_no_companion_alone(
    ruled: BookingService,
) -> None:
    held = await ruled.hold(ALICE, SESSION, [101, 102, 103, 104])
    refused = await refusal(SeatChoice(ruled).release(ALICE, str(held.id), [101]))
    assert refused.code == "companion_needs_wheelchair"
    refused = await refusal(SeatChoice(ruled).release(BOB, str(held.id), [104]))
    assert refused.code == "booking_not_found"
