"""The reminders of a batch of booking events kept in one transaction leave the same rows as
handling the events one by one: duplicates, extensions, cancellations and late events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from cinemapb.events.v1 import events_pb2
from deploy import infra
from svckit.db import make_engine, make_sessionmaker
from svckit.protoconv import to_timestamp
from svckit.vocabulary import CANCEL_REASON, Topic
from tests.user_svc.test_notify_delivery import Sessions, Setup, fresh_database, new_user
from user_svc.notifications.consumer import BookingEventHandler, Received
from user_svc.notifications.reminders import Reminders
from user_svc.notifications.repository import ReminderRepository

LEAD = timedelta(minutes=5)


@pytest.fixture(scope="module")
async def sessions(endpoints: infra.Endpoints) -> AsyncIterator[Sessions]:
    engine = make_engine(fresh_database("user_reminder_batches"), pool_size=10)
    yield make_sessionmaker(engine)
    await engine.dispose()


def event(
    booking_id: str, user_id: int, expires_at: datetime, reason: str = ""
) -> events_pb2.BookingEvent:
    return events_pb2.BookingEvent(
        event_id=str(uuid.uuid4()),
        booking_id=booking_id,
        user_id=user_id,
        session_id=5,
        total_price_cents=900,
        expires_at=to_timestamp(expires_at),
        reason=CANCEL_REASON.number(reason),
    )


MINUTES = timedelta(minutes=1)


@pytest.fixture
def now() -> datetime:
    """The test's own now: deadlines are planned relative to the moment the test runs."""
    return datetime.now(UTC).replace(microsecond=0)


def scenario(user_id: int, now: datetime) -> tuple[dict[str, str], list[Received]]:
    """Bookings by label (fresh ids) and the events of one batch about them, in order."""
    ids = {label: str(uuid.uuid4()) for label in "ABCDEFGH"}
    created, confirmed, cancelled = (
        Topic.BOOKING_CREATED,
        Topic.BOOKING_CONFIRMED,
        Topic.BOOKING_CANCELLED,
    )
    steps: list[tuple[Topic, str, timedelta, str]] = [
        (created, "A", 10 * MINUTES, ""),
        (created, "B", 10 * MINUTES, ""),
        (cancelled, "C", 10 * MINUTES, "cancelled_by_user"),
        (created, "D", 10 * MINUTES, ""),
        (created, "E", 2 * MINUTES, ""),  # due before it could be sent: none
        (created, "A", 20 * MINUTES, ""),  # extended
        (confirmed, "B", 10 * MINUTES, ""),
        (created, "C", 10 * MINUTES, ""),  # came after its cancellation
        (created, "D", 10 * MINUTES, ""),  # delivered twice
        (cancelled, "F", 10 * MINUTES, "expired"),
        (created, "G", 10 * MINUTES, ""),
        (cancelled, "G", 10 * MINUTES, "seats_released"),  # the booking goes on
        (created, "H", 10 * MINUTES, ""),  # its reminder was sent already
    ]
    events = []
    for topic, label, expires_in, reason in steps:
        one = event(ids[label], user_id, now + expires_in, reason)
        events.append((topic, one, one.event_id))
    return ids, events


async def reminder_rows(sessions: Sessions, ids: dict[str, str]) -> dict[str, Any]:
    """Each booking's reminder row as SQL sees it, by label (None: no row)."""
    async with sessions() as db:
        rows = (
            await db.execute(
                text(
                    "SELECT booking_id, state, expires_at, event IS NULL AS no_event, "
                    "CASE WHEN state = 'pending' THEN due_at END AS due_at "
                    "FROM hold_reminders WHERE booking_id = ANY(:ids)"
                ),
                {"ids": list(ids.values())},
            )
        ).all()
    by_id = {row.booking_id: tuple(row)[1:] for row in rows}
    return {label: by_id.get(booking_id) for label, booking_id in ids.items()}


async def sent_already(reminders: Reminders, booking_id: str, user_id: int, now: datetime) -> None:
    async with reminders.sessions.begin() as db:
        repository = ReminderRepository(db)
        await repository.schedule(
            booking_id=booking_id,
            user_id=user_id,
            due_at=now + 5 * MINUTES,
            expires_at=now + 10 * MINUTES,
            event=b"",
        )
        await repository.finish(booking_id, "sent")


async def test_a_batch_keeps_the_same_reminders_as_its_events_one_by_one(
    sessions: Sessions, now: datetime
) -> None:
    user_id, _, _ = await new_user(sessions)
    handler = BookingEventHandler(
        Setup(sessions).notifier, Reminders(sessions, Setup(sessions).notifier, lead=LEAD)
    )

    one_by_one, events = scenario(user_id, now)
    await sent_already(handler.reminders, one_by_one["H"], user_id, now)
    for received in events:
        await handler(*received)

    batched, batch = scenario(user_id, now)
    await sent_already(handler.reminders, batched["H"], user_id, now)
    await handler.bookkeep(batch)

    expected = await reminder_rows(sessions, one_by_one)
    assert await reminder_rows(sessions, batched) == expected
    assert {label: row[0] if row else None for label, row in expected.items()} == {
        "A": "pending",
        "B": "settled",
        "C": "settled",
        "D": "pending",
        "E": None,
        "F": "settled",
        "G": "pending",
        "H": "sent",
    }
    assert expected["A"][1] == now + 20 * MINUTES


async def test_a_batch_plans_each_reminder_once_and_tells_when_they_are_due(
    sessions: Sessions, now: datetime
) -> None:
    user_id, _, _ = await new_user(sessions)
    setup = Setup(sessions)
    reminders = Reminders(sessions, setup.notifier, lead=LEAD)
    planned: list[float] = []
    reminders.on_schedule = planned.append
    ids, batch = scenario(user_id, now)
    await sent_already(reminders, ids["H"], user_id, now)
    await BookingEventHandler(setup.notifier, reminders).bookkeep(batch)
    # A (at its extended deadline), B and C (settled in the batch), D once, G
    assert sorted(planned) == sorted(
        (now + deadline - LEAD).timestamp()
        for deadline in (20 * MINUTES, 10 * MINUTES, 10 * MINUTES, 10 * MINUTES, 10 * MINUTES)
    )
    assert setup.mailer.sent == []
