"""Reminders before an unpaid hold expires, against a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from cinemapb.booking.v1 import booking_pb2
from cinemapb.events.v1 import events_pb2
from deploy import infra
from svckit.db import make_engine, make_sessionmaker
from svckit.deadlines import MAX_SLEEP_SECONDS, OVERSLEEP_SECONDS, DeadlineLoop
from svckit.protoconv import to_timestamp
from svckit.vocabulary import Topic
from tests.user_svc.test_notify_delivery import Sessions, Setup, fresh_database, new_user
from user_svc.notifications.consumer import BookingEventHandler
from user_svc.notifications.events import booking_notice
from user_svc.notifications.mailer import SendFailed
from user_svc.notifications.messages import BookingNotice, Kind
from user_svc.notifications.models import HoldReminder
from user_svc.notifications.reminders import Reminders

LEAD = timedelta(minutes=5)


@pytest.fixture(scope="module")
async def sessions(endpoints: infra.Endpoints) -> AsyncIterator[Sessions]:
    engine = make_engine(fresh_database("user_reminders"), pool_size=10)
    yield make_sessionmaker(engine)
    await engine.dispose()


def created(user_id: int, expires_in: timedelta) -> tuple[BookingNotice, bytes]:
    """A booking.created event for a hold expiring in `expires_in`, and its notice."""
    event = events_pb2.BookingEvent(
        event_id=str(uuid.uuid4()),
        booking_id=str(uuid.uuid4()),
        user_id=user_id,
        session_id=5,
        total_price_cents=900,
        expires_at=to_timestamp(datetime.now(UTC) + expires_in),
    )
    return booking_notice(
        event, Kind.REMINDER, uuid.UUID(event.event_id)
    ), event.SerializeToString()


async def make_due(sessions: Sessions, booking_id: str) -> None:
    async with sessions.begin() as db:
        await db.execute(
            update(HoldReminder)
            .where(HoldReminder.booking_id == booking_id)
            .values(due_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def state(sessions: Sessions, booking_id: str) -> str | None:
    async with sessions() as db:
        return await db.scalar(
            select(HoldReminder.state).where(HoldReminder.booking_id == booking_id)
        )


async def test_a_due_reminder_is_sent_once_by_email_and_push(sessions: Sessions) -> None:
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    user_id, email, _ = await new_user(sessions, browsers=1)
    notice, event = created(user_id, timedelta(minutes=10))
    assert await reminders.schedule(notice, event)
    assert await reminders.send_due() == 0
    await make_due(sessions, notice.booking_id)
    assert await reminders.send_due() == 1
    assert await reminders.send_due() == 0
    ((to, subject, _),) = setup.mailer.sent
    assert to == email
    assert subject.startswith("Your seats are held until ")
    assert len(setup.pusher.sent) == 1
    assert await state(sessions, notice.booking_id) == "sent"


async def test_a_booking_settled_before_its_reminder_is_due_gets_none(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    user_id, _, _ = await new_user(sessions)
    notice, event = created(user_id, timedelta(minutes=10))
    await reminders.schedule(notice, event)
    await reminders.settle(notice)
    await make_due(sessions, notice.booking_id)
    assert await reminders.send_due() == 0
    assert setup.mailer.sent == []
    assert await state(sessions, notice.booking_id) == "settled"


async def test_a_created_event_arriving_after_the_confirmation_schedules_nothing(
    sessions: Sessions,
) -> None:
    """The topics are not ordered with each other, so booking.created may come last."""
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    user_id, _, _ = await new_user(sessions)
    notice, event = created(user_id, timedelta(minutes=10))
    await reminders.settle(notice)
    assert not await reminders.schedule(notice, event)
    assert await state(sessions, notice.booking_id) == "settled"


async def test_no_reminder_is_planned_when_it_would_already_be_due(sessions: Sessions) -> None:
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    user_id, _, _ = await new_user(sessions)
    notice, event = created(user_id, LEAD - timedelta(seconds=1))
    assert not await reminders.schedule(notice, event)
    assert await state(sessions, notice.booking_id) is None


async def test_a_reminder_whose_hold_already_expired_is_not_sent(sessions: Sessions) -> None:
    setup = Setup(sessions)
    user_id, _, _ = await new_user(sessions)
    notice, event = created(user_id, timedelta(minutes=10))
    await Reminders(sessions, setup.notifier, lead=LEAD).schedule(notice, event)
    await make_due(sessions, notice.booking_id)
    late = Reminders(
        sessions,
        setup.notifier,
        lead=LEAD,
        clock=lambda: datetime.now(UTC) + timedelta(minutes=11),
    )
    assert await late.send_due() == 1
    assert setup.mailer.sent == []
    assert await state(sessions, notice.booking_id) == "missed"


async def test_replicas_sending_at_once_send_each_reminder_once(sessions: Sessions) -> None:
    setup = Setup(sessions, mail_delay=0.05)
    replicas = [Reminders(sessions, setup.notifier, lead=LEAD) for _ in range(3)]
    user_id, _, _ = await new_user(sessions)
    bookings = []
    for _ in range(4):
        notice, event = created(user_id, timedelta(minutes=10))
        await replicas[0].schedule(notice, event)
        await make_due(sessions, notice.booking_id)
        bookings.append(notice.booking_id)
    taken = await asyncio.gather(*(replica.send_due(limit=2) for replica in replicas))
    assert sum(taken) == 4
    assert len(setup.mailer.sent) == 4
    assert [await state(sessions, b) for b in bookings] == ["sent"] * 4


async def test_a_reminder_that_fails_to_send_is_postponed_not_lost(sessions: Sessions) -> None:
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    user_id, _, _ = await new_user(sessions)
    notice, event = created(user_id, timedelta(minutes=10))
    await reminders.schedule(notice, event)
    await make_due(sessions, notice.booking_id)
    setup.mailer.failures.append(SendFailed("connection refused"))
    assert await reminders.send_due() == 1
    assert await state(sessions, notice.booking_id) == "pending"
    async with sessions() as db:
        due_at = await db.scalar(
            select(HoldReminder.due_at).where(HoldReminder.booking_id == notice.booking_id)
        )
    assert due_at is not None
    assert due_at > datetime.now(UTC) + timedelta(seconds=20)
    await make_due(sessions, notice.booking_id)
    assert await reminders.send_due() == 1
    assert len(setup.mailer.sent) == 1


async def test_the_loop_sleeps_until_the_next_reminder_is_due_but_not_longer_than_its_cap(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    loop = DeadlineLoop("t", reminders.send_due, reminders.seconds_until_next_due, max_sleep=1000.0)
    user_id, _, _ = await new_user(sessions)
    notice, event = created(user_id, LEAD + timedelta(seconds=30))
    await reminders.schedule(notice, event)
    assert 0 < await loop.run_once() <= 30 + OVERSLEEP_SECONDS
    capped = DeadlineLoop("t", reminders.send_due, reminders.seconds_until_next_due)
    assert await capped.run_once() <= MAX_SLEEP_SECONDS
    await reminders.settle(notice)


def extended(event: bytes, by: timedelta) -> tuple[BookingNotice, bytes]:
    """The booking.extended event of the hold `event` created: the same booking, later."""
    later = events_pb2.BookingEvent.FromString(event)
    later.event_id = str(uuid.uuid4())
    later.extensions += 1
    later.expires_at.CopyFrom(to_timestamp(later.expires_at.ToDatetime(UTC) + by))
    return booking_notice(later, Kind.REMINDER, uuid.UUID(later.event_id)), (
        later.SerializeToString()
    )


async def test_an_extension_moves_a_pending_reminder_to_the_new_deadline(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    user_id, _, _ = await new_user(sessions)
    notice, event = created(user_id, timedelta(minutes=10))
    await reminders.schedule(notice, event)
    later, later_event = extended(event, timedelta(minutes=5))
    assert await reminders.schedule(later, later_event)
    assert not await reminders.schedule(later, later_event)
    assert not await reminders.schedule(notice, event)
    async with sessions() as db:
        row = await db.get(HoldReminder, notice.booking_id)
    assert row is not None
    assert later.expires_at is not None
    assert (row.state, row.expires_at, row.due_at) == (
        "pending",
        later.expires_at,
        later.expires_at - LEAD,
    )


async def test_an_extended_hold_is_reminded_again_before_its_new_deadline_once(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    user_id, _, _ = await new_user(sessions)
    notice, event = created(user_id, timedelta(minutes=10))
    await reminders.schedule(notice, event)
    await make_due(sessions, notice.booking_id)
    assert await reminders.send_due() == 1
    later, later_event = extended(event, timedelta(minutes=5))
    assert await reminders.schedule(later, later_event)
    await make_due(sessions, notice.booking_id)
    assert await reminders.send_due() == 1
    assert await reminders.send_due() == 0
    first, second = (subject for _, subject, _ in setup.mailer.sent)
    assert first != second
    assert await state(sessions, notice.booking_id) == "sent"


async def test_a_settled_booking_is_not_replanned_by_a_late_extension(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    user_id, _, _ = await new_user(sessions)
    notice, event = created(user_id, timedelta(minutes=10))
    await reminders.schedule(notice, event)
    await reminders.settle(notice)
    later, later_event = extended(event, timedelta(minutes=5))
    assert not await reminders.schedule(later, later_event)
    assert await state(sessions, notice.booking_id) == "settled"


async def test_a_hold_from_the_waiting_list_is_announced_once_and_reminded_later(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    handle = BookingEventHandler(setup.notifier, reminders)
    user_id, email, _ = await new_user(sessions, browsers=1)
    _, event = created(user_id, timedelta(minutes=10))
    held = events_pb2.BookingEvent.FromString(event)
    held.source = booking_pb2.BOOKING_SOURCE_WAITLIST
    ce_id = held.event_id
    await handle(Topic.BOOKING_CREATED, held, ce_id)
    await handle(Topic.BOOKING_CREATED, held, ce_id)
    ((to, subject, body),) = setup.mailer.sent
    assert to == email
    assert subject.startswith("Seats freed up for you")
    assert "holding them for you" in body
    assert len(setup.pusher.sent) == 1
    assert await state(sessions, held.booking_id) == "pending"
    later = events_pb2.BookingEvent.FromString(extended(event, timedelta(minutes=5))[1])
    later.source = booking_pb2.BOOKING_SOURCE_WAITLIST
    await handle(Topic.BOOKING_CREATED, later, later.event_id)
    assert len(setup.mailer.sent) == 1
