"""Extending a hold against a real database: limits, refusals, the event, and concurrency."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.service import BookingService
from svckit.errors import Conflict, NotFound
from svckit.identity import Caller
from tests.booking_svc.conftest import PREFIX, FakeCinema, ServiceFactory, outbox_events
from tests.booking_svc.test_lifecycle import shift

ALICE = Caller(1, "user")
BOB = Caller(2, "user")
ADMIN = Caller(9, "admin")


async def test_an_extension_moves_the_deadline_and_is_announced_as_booking_extended(
    make_service: ServiceFactory, engine: AsyncEngine
) -> None:
    service = make_service(extend_seconds=300, max_extensions=1)
    held = await service.hold(ALICE, 1, [101, 102])
    extended = await service.extend(ALICE, str(held.id))
    assert extended.expires_at - held.expires_at == timedelta(seconds=300)
    assert extended.extensions == 1
    assert [seat.seat_id for seat in extended.seats] == [101, 102]
    events = await outbox_events(engine)
    assert [topic for topic, _, _ in events] == [PREFIX + "booking.created"] * 2
    event = events[1][2]
    assert event.extensions == 1
    assert event.seat_map_version == 2
    assert event.expires_at.ToDatetime().timestamp() == pytest.approx(
        extended.expires_at.timestamp()
    )
    async with engine.connect() as conn:
        types = (await conn.execute(text("SELECT event_type FROM outbox ORDER BY id"))).scalars()
        assert list(types) == ["booking.created", "booking.extended"]


async def test_a_hold_is_extended_at_most_the_allowed_number_of_times(
    make_service: ServiceFactory,
) -> None:
    service = make_service(max_extensions=2)
    held = await service.hold(ALICE, 1, [101])
    await service.extend(ALICE, str(held.id))
    await service.extend(ALICE, str(held.id))
    with pytest.raises(Conflict) as refused:
        await service.extend(ALICE, str(held.id))
    assert refused.value.code == "extension_limit"
    assert refused.value.details == {"max_extensions": 2}


async def test_only_the_owner_extends_not_even_an_admin(service: BookingService) -> None:
    held = await service.hold(ALICE, 1, [101])
    for other in (BOB, ADMIN):
        with pytest.raises(NotFound) as refused:
            await service.extend(other, str(held.id))
        assert refused.value.code == "booking_not_found"


async def test_a_paid_or_cancelled_booking_is_not_pending(service: BookingService) -> None:
    paid = await service.hold(ALICE, 1, [101])
    await service.confirm(ALICE, str(paid.id))
    cancelled = await service.hold(ALICE, 1, [102])
    await service.cancel(ALICE, str(cancelled.id))
    for booking in (paid, cancelled):
        with pytest.raises(Conflict) as refused:
            await service.extend(ALICE, str(booking.id))
        assert refused.value.code == "not_pending"


async def test_a_hold_past_its_deadline_has_expired_even_before_the_expirer_ran(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101])
    await shift(engine, held, "expires_at", -1)
    with pytest.raises(Conflict) as refused:
        await service.extend(ALICE, str(held.id))
    assert refused.value.code == "hold_expired"
    await service.expire_due()
    with pytest.raises(Conflict) as refused:
        await service.extend(ALICE, str(held.id))
    assert refused.value.code == "hold_expired"


async def test_an_extension_never_reaches_past_the_session_start(
    make_service: ServiceFactory, cinema: FakeCinema
) -> None:
    cinema.add(5, starts_in=timedelta(minutes=3))
    service = make_service(hold_seconds=60, extend_seconds=600)
    held = await service.hold(ALICE, 5, [101])
    extended = await service.extend(ALICE, str(held.id))
    assert extended.expires_at == cinema.sessions[5].starts_at


async def test_concurrent_extensions_of_one_hold_succeed_only_the_allowed_number_of_times(
    make_service: ServiceFactory, engine: AsyncEngine
) -> None:
    service = make_service(extend_seconds=60, max_extensions=3)
    held = await service.hold(ALICE, 1, [101])
    results = await asyncio.gather(
        *(service.extend(ALICE, str(held.id)) for _ in range(20)), return_exceptions=True
    )
    done = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(done) == 3
    assert len(refused) == 17
    assert {r.code for r in refused} == {"extension_limit"}
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT extensions, expires_at - created_at AS held_for FROM bookings"
                    " WHERE id = :id"
                ),
                {"id": held.id},
            )
        ).one()
        extended_events = await conn.scalar(
            text("SELECT count(*) FROM outbox WHERE event_type = 'booking.extended'")
        )
    assert row.extensions == 3
    assert row.held_for == timedelta(seconds=900 + 3 * 60)
    assert extended_events == 3


async def test_held_seats_carry_their_deadline_on_the_seat_map(service: BookingService) -> None:
    held = await service.hold(ALICE, 1, [101, 102])
    paid = await service.hold(BOB, 1, [103])
    await service.confirm(BOB, str(paid.id))
    _, state = await service.seat_map(1)
    assert state.held_until == {101: held.expires_at, 102: held.expires_at}
    extended = await service.extend(ALICE, str(held.id))
    _, state = await service.seat_map(1)
    assert state.held_until == {101: extended.expires_at, 102: extended.expires_at}
