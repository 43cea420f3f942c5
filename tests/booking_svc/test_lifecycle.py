"""What happens to a booking after the hold: payment, cancellation, expiry, the session's end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.domain import Booking, Payment, Reason, Status
from booking_svc.service import BookingService, SessionUpdate
from cinemapb.booking.v1 import booking_pb2
from cinemapb.events.v1 import events_pb2
from svckit.errors import Conflict, NotFound
from svckit.identity import Caller
from tests.booking_svc.conftest import PREFIX, FakeCinema, outbox_events

UNKNOWN_ID = "3f1c2a9e-5b7d-4e0a-9c61-2d8f4b7a1e05"
"""A well-formed booking id no booking has (fixed: every pytest worker collects the same ids)."""

ALICE = Caller(1, "user")
BOB = Caller(2, "user")
ADMIN = Caller(99, "admin")


SHIFTS = {
    "expires_at": (
        "UPDATE bookings SET expires_at = now() + make_interval(secs => :s) WHERE id = :id"
    ),
    "session_ends_at": (
        "UPDATE bookings SET session_ends_at = now() + make_interval(secs => :s) WHERE id = :id"
    ),
}


async def shift(engine: AsyncEngine, booking: Booking, column: str, seconds: int) -> None:
    """Moves a timestamp of a booking relative to the database clock."""
    async with engine.begin() as conn:
        await conn.execute(text(SHIFTS[column]), {"s": seconds, "id": booking.id})


async def test_confirm_records_payment_and_announces_it(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101, 102])
    paid = await service.confirm(ALICE, str(held.id))
    assert (paid.status, paid.payment_status) == (Status.CONFIRMED, Payment.PAID)
    assert paid.seats == held.seats
    (_, _, created), (topic, key, confirmed) = await outbox_events(engine)
    assert topic == PREFIX + "booking.confirmed"
    assert key == "1"
    assert confirmed.status == booking_pb2.BOOKING_STATUS_CONFIRMED
    assert confirmed.seat_map_version == created.seat_map_version + 1
    assert list(confirmed.seat_ids) == [101, 102]


@pytest.mark.parametrize("then", ["confirm", "cancel"])
async def test_a_booking_cannot_be_confirmed_unless_pending(
    service: BookingService, then: str
) -> None:
    held = await service.hold(ALICE, 1, [101])
    await getattr(service, then)(ALICE, str(held.id))
    with pytest.raises(Conflict) as refused:
        await service.confirm(ALICE, str(held.id))
    assert refused.value.code == "booking_not_pending"


async def test_a_hold_past_its_deadline_cannot_be_confirmed_even_before_it_expires(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101])
    await shift(engine, held, "expires_at", -1)
    with pytest.raises(Conflict) as refused:
        await service.confirm(ALICE, str(held.id))
    assert refused.value.code == "hold_expired"
    await service.expire_due()
    with pytest.raises(Conflict) as again:
        await service.confirm(ALICE, str(held.id))
    assert again.value.code == "hold_expired"


@pytest.mark.parametrize("action", ["confirm", "cancel", "get"])
async def test_another_users_booking_does_not_exist_for_them(
    service: BookingService, action: str
) -> None:
    held = await service.hold(ALICE, 1, [101])
    with pytest.raises(NotFound) as hidden:
        await getattr(service, action)(BOB, str(held.id))
    assert hidden.value.code == "booking_not_found"


@pytest.mark.parametrize("raw_id", [UNKNOWN_ID, "not-a-uuid", "", "x" * 500])
@pytest.mark.parametrize("action", ["confirm", "cancel", "get"])
async def test_unknown_or_malformed_ids_are_not_found(
    service: BookingService, action: str, raw_id: str
) -> None:
    with pytest.raises(NotFound):
        await getattr(service, action)(ALICE, raw_id)


async def test_cancel_frees_the_seats_at_once_and_says_who_cancelled(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101, 102])
    cancelled = await service.cancel(ALICE, str(held.id))
    assert (cancelled.status, cancelled.payment_status) == (Status.CANCELLED, Payment.VOID)
    assert cancelled.reason == Reason.BY_USER
    again = await service.hold(BOB, 1, [101, 102])
    assert again.status == Status.PENDING
    (_, _, _), (topic, _, event), (_, _, _) = await outbox_events(engine)
    assert topic == PREFIX + "booking.cancelled"
    assert event.reason == events_pb2.CANCEL_REASON_CANCELLED_BY_USER
    assert event.status == booking_pb2.BOOKING_STATUS_CANCELLED
    assert list(event.seat_ids) == [101, 102]


async def test_an_admin_cancels_anyones_booking_and_a_paid_one_is_refunded(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101])
    await service.confirm(ALICE, str(held.id))
    cancelled = await service.cancel(ADMIN, str(held.id))
    assert (cancelled.payment_status, cancelled.reason) == (Payment.REFUNDED, Reason.BY_ADMIN)
    *_, (_, _, event) = await outbox_events(engine)
    assert event.reason == events_pb2.CANCEL_REASON_CANCELLED_BY_ADMIN


async def test_an_admin_cancelling_their_own_booking_cancels_as_a_user(
    service: BookingService,
) -> None:
    held = await service.hold(ADMIN, 1, [101])
    assert (await service.cancel(ADMIN, str(held.id))).reason == Reason.BY_USER


async def test_cancel_after_cancel_is_refused(service: BookingService) -> None:
    held = await service.hold(ALICE, 1, [101])
    await service.cancel(ALICE, str(held.id))
    with pytest.raises(Conflict) as refused:
        await service.cancel(ALICE, str(held.id))
    assert refused.value.code == "booking_not_cancellable"


async def test_due_holds_expire_in_batches_free_their_seats_and_announce_it(
    service: BookingService, engine: AsyncEngine
) -> None:
    due = [await service.hold(Caller(10 + i, "user"), 1, [101 + i]) for i in range(3)]
    later = await service.hold(ALICE, 1, [109])
    for booking in due:
        await shift(engine, booking, "expires_at", -1)
    assert await service.expire_due(limit=2) == 3  # batches of 2 until none is due
    assert await service.expire_due(limit=2) == 0
    for booking in due:
        expired = await service.get(ADMIN, str(booking.id))
        assert (expired.status, expired.payment_status) == (Status.EXPIRED, Payment.VOID)
        assert expired.reason == Reason.EXPIRED
    assert (await service.get(ADMIN, str(later.id))).status == Status.PENDING
    await service.hold(BOB, 1, [101, 102, 103])
    cancelled = [e for topic, _, e in await outbox_events(engine) if topic.endswith("cancelled")]
    assert sorted(e.booking_id for e in cancelled) == sorted(str(b.id) for b in due)
    assert all(e.reason == events_pb2.CANCEL_REASON_EXPIRED for e in cancelled)


async def test_versions_grow_by_one_per_event_even_within_one_batch(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = [await service.hold(Caller(10 + i, "user"), 1 + i % 2, [101 + i]) for i in range(6)]
    for booking in held:
        await shift(engine, booking, "expires_at", -1)
    await service.expire_due()
    for session in ("1", "2"):
        versions = [
            e.seat_map_version for _, key, e in await outbox_events(engine) if key == session
        ]
        assert versions == list(range(1, 7))


async def test_the_next_hold_deadline_comes_from_the_database(
    service: BookingService, engine: AsyncEngine
) -> None:
    assert await service.seconds_until_next_hold_deadline() is None
    held = await service.hold(ALICE, 1, [101])
    await shift(engine, held, "expires_at", 30)
    until = await service.seconds_until_next_hold_deadline()
    assert until is not None
    assert 28 < until <= 30


async def test_when_the_session_ends_confirmed_bookings_finish_and_pending_ones_expire(
    service: BookingService, engine: AsyncEngine
) -> None:
    paid = await service.hold(ALICE, 1, [101])
    await service.confirm(ALICE, str(paid.id))
    pending = await service.hold(BOB, 1, [102])
    other = await service.hold(BOB, 2, [102])
    for booking in (paid, pending):
        await shift(engine, booking, "session_ends_at", -1)
    assert await service.finish_due() == 2
    assert (await service.get(ADMIN, str(paid.id))).status == Status.FINISHED
    assert (await service.get(ADMIN, str(paid.id))).payment_status == Payment.PAID
    assert (await service.get(ADMIN, str(pending.id))).status == Status.EXPIRED
    assert (await service.get(ADMIN, str(other.id))).status == Status.PENDING
    *_, (topic, _, event) = await outbox_events(engine)
    assert topic.endswith("booking.cancelled")
    assert (event.booking_id, event.reason) == (str(pending.id), events_pb2.CANCEL_REASON_EXPIRED)
    assert await service.finish_due() == 0


async def test_a_cancelled_session_cancels_its_live_bookings_once(
    service: BookingService, engine: AsyncEngine, cinema: FakeCinema
) -> None:
    pending = await service.hold(ALICE, 1, [101])
    paid = await service.hold(BOB, 1, [102])
    await service.confirm(BOB, str(paid.id))
    elsewhere = await service.hold(BOB, 2, [103])
    seating = cinema.add(1, status="cancelled")
    update = SessionUpdate(1, seating.starts_at, seating.ends_at, cancelled=True)
    assert await service.apply_session_update(update) == 2
    assert await service.apply_session_update(update) == 0
    first = await service.get(ADMIN, str(pending.id))
    second = await service.get(ADMIN, str(paid.id))
    assert (first.status, first.payment_status) == (Status.CANCELLED, Payment.VOID)
    assert (second.status, second.payment_status) == (Status.CANCELLED, Payment.REFUNDED)
    assert second.reason == Reason.SESSION_CANCELLED
    assert (await service.get(ADMIN, str(elsewhere.id))).status == Status.PENDING
    reasons = [e.reason for t, _, e in await outbox_events(engine) if t.endswith("cancelled")]
    assert reasons == [events_pb2.CANCEL_REASON_SESSION_CANCELLED] * 2


async def test_a_hold_that_read_a_stale_cache_fails_on_a_cancelled_session(
    service: BookingService, engine: AsyncEngine
) -> None:
    await service.hold(ALICE, 1, [101])
    await service.cancel_session(1)
    cached = await service.seating.get(1)
    assert cached is not None
    assert cached.status == "scheduled"
    with pytest.raises(Conflict) as refused:
        await service.hold(BOB, 1, [105])
    assert refused.value.code == "session_cancelled"
    async with engine.connect() as conn:
        live = await conn.scalar(text("SELECT count(*) FROM bookings WHERE status = 'pending'"))
    assert live == 0


async def test_a_moved_session_moves_the_end_of_its_bookings(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101])
    starts = datetime.now(UTC) - timedelta(hours=3)
    await service.apply_session_update(
        SessionUpdate(1, starts, starts + timedelta(hours=2), cancelled=False)
    )
    await service.finish_due()
    assert (await service.get(ALICE, str(held.id))).status == Status.EXPIRED


async def test_the_seat_map_shows_free_held_and_booked_seats_with_the_version(
    service: BookingService,
) -> None:
    await service.hold(ALICE, 1, [101])
    paid = await service.hold(BOB, 1, [102])
    await service.confirm(BOB, str(paid.id))
    gone = await service.hold(BOB, 1, [103])
    await service.cancel(BOB, str(gone.id))
    seating, state = await service.seat_map(1)
    assert state.held == {101}
    assert state.booked == {102}
    assert state.version == 5
    assert len(seating.ordered_seats()) == 10
    with pytest.raises(NotFound):
        await service.seat_map(404)


async def test_an_untouched_session_has_an_all_free_map_at_version_zero(
    service: BookingService,
) -> None:
    _, state = await service.seat_map(2)
    assert (state.version, state.held, state.booked) == (0, frozenset(), frozenset())


async def test_users_list_their_own_bookings_and_admins_everyones(
    service: BookingService,
) -> None:
    mine = [await service.hold(ALICE, 1, [101 + i]) for i in range(3)]
    await service.hold(BOB, 1, [109])
    items, total = await service.list(ALICE, page=1, page_size=2, mine_only=False)
    assert total == 3
    assert [b.id for b in items] == [mine[2].id, mine[1].id]
    items, _ = await service.list(ALICE, page=2, page_size=2, mine_only=False)
    assert [b.id for b in items] == [mine[0].id]
    assert items[0].seats == mine[0].seats
    assert (await service.list(ADMIN, page=1, page_size=10, mine_only=False))[1] == 4
    assert (await service.list(ADMIN, page=1, page_size=10, mine_only=True))[1] == 0
