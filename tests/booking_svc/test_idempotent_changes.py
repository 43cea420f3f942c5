"""Confirm and cancel with an Idempotency-Key: a retry answers what the first request answered."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import booking_svc.payments.tables  # noqa: F401 (registers the payment tables)
from booking_svc.domain import Booking, Status
from booking_svc.models import Base
from booking_svc.service import BookingService
from svckit.errors import Conflict, InvalidArgument
from svckit.identity import Caller
from tests.booking_svc.conftest import PREFIX
from tests.booking_svc.test_rules import past_deadline

ALICE = Caller(1, "user")
BOB = Caller(2, "user")
ADMIN = Caller(99, "admin")


async def scalar(engine: AsyncEngine, query: str) -> object:
    async with engine.connect() as conn:
        return (await conn.execute(text(query))).scalar_one()


async def events_on(engine: AsyncEngine, topic: str) -> int:
    async with engine.connect() as conn:
        count = await conn.execute(
            text("SELECT count(*) FROM outbox WHERE topic = :topic"), {"topic": PREFIX + topic}
        )
        return int(count.scalar_one())


async def test_a_confirm_retried_with_its_key_answers_the_same_booking_and_pays_once(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101, 102])
    paid = await service.confirm(ALICE, str(held.id), "pay-1")
    assert await service.confirm(ALICE, str(held.id), "pay-1") == paid
    assert paid.status == Status.CONFIRMED
    assert await events_on(engine, "booking.confirmed") == 1


@pytest.mark.parametrize("paid_first", [False, True])
async def test_a_cancel_retried_with_its_key_answers_the_same_booking_and_cancels_once(
    service: BookingService, engine: AsyncEngine, paid_first: bool
) -> None:
    held = await service.hold(ALICE, 1, [101])
    if paid_first:
        await service.confirm(ALICE, str(held.id))
    cancelled = await service.cancel(ALICE, str(held.id), "undo-1")
    assert await service.cancel(ALICE, str(held.id), "undo-1") == cancelled
    assert cancelled.status == Status.CANCELLED
    assert await events_on(engine, "booking.cancelled") == 1


async def test_a_retry_answers_the_booking_as_it_was_answered_not_as_it_is_now(
    service: BookingService,
) -> None:
    held = await service.hold(ALICE, 1, [101])
    paid = await service.confirm(ALICE, str(held.id), "pay-1")
    await service.cancel(ADMIN, str(held.id), "admin-undo-1")
    assert await service.confirm(ALICE, str(held.id), "pay-1") == paid


async def test_an_admins_keyed_cancel_of_anothers_booking_replays_for_the_admin(
    service: BookingService,
) -> None:
    held = await service.hold(ALICE, 1, [101])
    cancelled = await service.cancel(ADMIN, str(held.id), "admin-undo-1")
    assert await service.cancel(ADMIN, str(held.id), "admin-undo-1") == cancelled


async def test_without_a_key_a_second_confirm_is_refused_as_before(
    service: BookingService,
) -> None:
    held = await service.hold(ALICE, 1, [101])
    await service.confirm(ALICE, str(held.id))
    with pytest.raises(Conflict) as refused:
        await service.confirm(ALICE, str(held.id))
    assert refused.value.code == "booking_not_pending"


async def test_keys_are_per_user(service: BookingService) -> None:
    mine = await service.hold(ALICE, 1, [101])
    theirs = await service.hold(BOB, 1, [102])
    await service.confirm(ALICE, str(mine.id), "same-key")
    paid = await service.confirm(BOB, str(theirs.id), "same-key")
    assert paid.id == theirs.id


async def test_a_key_reused_for_another_booking_is_refused_and_the_change_undone(
    service: BookingService, engine: AsyncEngine
) -> None:
    first = await service.hold(ALICE, 1, [101])
    second = await service.hold(ALICE, 1, [102])
    await service.confirm(ALICE, str(first.id), "pay-1")
    with pytest.raises(InvalidArgument) as reused:
        await service.confirm(ALICE, str(second.id), "pay-1")
    assert reused.value.code == "idempotency_key_reused"
    assert (await service.get(ALICE, str(second.id))).status == Status.PENDING
    assert await events_on(engine, "booking.confirmed") == 1


async def test_a_key_reused_for_another_action_is_refused_and_the_change_undone(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101])
    await service.confirm(ALICE, str(held.id), "key-1")
    with pytest.raises(InvalidArgument) as reused:
        await service.cancel(ALICE, str(held.id), "key-1")
    assert reused.value.code == "idempotency_key_reused"
    assert (await service.get(ALICE, str(held.id))).status == Status.CONFIRMED
    assert await events_on(engine, "booking.cancelled") == 0


async def test_a_key_of_a_refused_booking_reused_elsewhere_is_refused(
    service: BookingService, engine: AsyncEngine
) -> None:
    first = await service.hold(ALICE, 1, [101])
    lapsed = await service.hold(ALICE, 1, [102])
    await past_deadline(engine, lapsed)
    await service.confirm(ALICE, str(first.id), "pay-1")
    with pytest.raises(InvalidArgument) as reused:
        await service.confirm(ALICE, str(lapsed.id), "pay-1")
    assert reused.value.code == "idempotency_key_reused"


async def test_a_refusal_is_not_remembered_under_its_key(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101])
    await past_deadline(engine, held)
    for _ in range(2):
        with pytest.raises(Conflict) as refused:
            await service.confirm(ALICE, str(held.id), "pay-1")
        assert refused.value.code == "hold_expired"
    assert await scalar(engine, "SELECT count(*) FROM action_keys") == 0


@pytest.mark.parametrize("action", ["confirm", "cancel"])
async def test_a_key_longer_than_255_characters_is_refused(
    service: BookingService, action: str
) -> None:
    held = await service.hold(ALICE, 1, [101])
    with pytest.raises(InvalidArgument) as refused:
        await getattr(service, action)(ALICE, str(held.id), "k" * 256)
    assert refused.value.code == "idempotency_key_too_long"
    assert (await service.get(ALICE, str(held.id))).status == Status.PENDING


async def test_twenty_concurrent_confirms_with_one_key_pay_once_and_answer_alike(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101, 102])
    answers = await asyncio.gather(
        *(service.confirm(ALICE, str(held.id), "pay-once") for _ in range(20))
    )
    assert all(isinstance(answer, Booking) for answer in answers)
    assert all(answer == answers[0] for answer in answers)
    assert answers[0].status == Status.CONFIRMED
    assert await events_on(engine, "booking.confirmed") == 1
    assert await scalar(engine, "SELECT count(*) FROM action_keys") == 1
    changed = "SELECT count(*) FROM bookings WHERE updated_at > created_at"
    assert await scalar(engine, changed) == 1


async def test_twenty_concurrent_cancels_with_one_key_cancel_once_and_answer_alike(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101, 102])
    answers = await asyncio.gather(
        *(service.cancel(ALICE, str(held.id), "undo-once") for _ in range(20))
    )
    assert all(answer == answers[0] for answer in answers)
    assert answers[0].status == Status.CANCELLED
    assert await events_on(engine, "booking.cancelled") == 1
    assert await scalar(engine, "SELECT count(*) FROM action_keys") == 1


async def test_concurrent_confirms_of_two_bookings_with_one_key_pay_for_one_only(
    service: BookingService, engine: AsyncEngine
) -> None:
    first = await service.hold(ALICE, 1, [101])
    second = await service.hold(ALICE, 2, [101])
    answers = await asyncio.gather(
        *(service.confirm(ALICE, str(booking.id), "pay-one") for booking in (first, second)),
        return_exceptions=True,
    )
    paid = [answer for answer in answers if isinstance(answer, Booking)]
    reused = [answer for answer in answers if isinstance(answer, InvalidArgument)]
    assert (len(paid), len(reused)) == (1, 1), answers
    assert await events_on(engine, "booking.confirmed") == 1
    confirmed = "SELECT count(*) FROM bookings WHERE status = 'confirmed'"
    assert await scalar(engine, confirmed) == 1


async def test_keys_older_than_a_day_are_forgotten(
    service: BookingService, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [101])
    await service.confirm(ALICE, str(held.id), "pay-1")
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE action_keys SET created_at = now() - interval '25 h'"))
    assert await service.purge_idempotency_keys() == 1
    with pytest.raises(Conflict) as refused:
        await service.confirm(ALICE, str(held.id), "pay-1")
    assert refused.value.code == "booking_not_pending"


async def test_the_migrations_build_exactly_the_tables_the_models_declare(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        differences = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert differences == []
