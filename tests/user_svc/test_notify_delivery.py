"""Exactly one message per event and channel, against a real PostgreSQL database.

The mailer, push sender and show lookup are fakes here; the real ones are exercised end to
end in tests/e2e/test_notifications.py.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deploy import infra
from svckit.db import make_engine, make_sessionmaker
from svckit.migrations import upgrade_to_head
from tests.conftest import scratch_database
from user_svc.models import PushSubscription
from user_svc.notifications.mailer import Attachment, SendFailed
from user_svc.notifications.messages import BookingNotice, Kind, Seat, Show, Style
from user_svc.notifications.models import SentNotification
from user_svc.notifications.notifier import MAX_PUSH_ATTEMPTS, Notifier
from user_svc.notifications.recipients import Subscription
from user_svc.notifications.vapid import ensure_vapid_keys, public_key_text
from user_svc.notifications.webpush import PushFailed, PushOutcome
from user_svc.recipients import AccountRecipients
from user_svc.repository import UserRepository

MIGRATIONS = Path(__file__).resolve().parents[2] / "user_svc" / "migrations"
STYLE = Style(timezone=ZoneInfo("UTC"), base_url="https://cinema.example")
SHOW = Show("The Long Take", "Red Hall", datetime(2030, 1, 1, 20, 0, tzinfo=UTC))
Sessions = async_sessionmaker[AsyncSession]


def fresh_database(name: str) -> str:
    dsn = scratch_database(name)
    upgrade_to_head(MIGRATIONS, dsn)
    return dsn


@pytest.fixture(scope="module")
async def sessions(endpoints: infra.Endpoints) -> AsyncIterator[Sessions]:
    engine = make_engine(fresh_database("user_notify"), pool_size=10)
    yield make_sessionmaker(engine)
    await engine.dispose()


class FakeMailer:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.failures: list[SendFailed] = []
        self.delay = delay

    async def send(
        self, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        await asyncio.sleep(self.delay)
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, subject, body))


class FakePusher:
    def __init__(self) -> None:
        self.sent: list[tuple[int, bytes, int, str]] = []
        self.answers: list[PushOutcome | PushFailed] = []

    async def send(
        self, subscription: Subscription, payload: bytes, *, ttl: int, urgency: str = "normal"
    ) -> PushOutcome:
        answer = self.answers.pop(0) if self.answers else PushOutcome.SENT
        if isinstance(answer, PushFailed):
            raise answer
        self.sent.append((subscription.id, payload, ttl, urgency))
        return answer


class FixedShows:
    async def show(self, session_id: int) -> Show:
        return SHOW


class Setup:
    def __init__(self, sessions: Sessions, *, mail_delay: float = 0.0) -> None:
        self.mailer = FakeMailer(delay=mail_delay)
        self.pusher = FakePusher()
        self.notifier = Notifier(
            sessions,
            recipients=AccountRecipients(sessions),
            mailer=self.mailer,
            push=self.pusher,
            shows=FixedShows(),
            style=STYLE,
        )


async def new_user(sessions: Sessions, *, browsers: int = 0) -> tuple[int, str, list[int]]:
    """A user with `browsers` push subscriptions: (id, email, subscription ids)."""
    email = f"notify-{uuid.uuid4().hex[:10]}@example.com"
    async with sessions.begin() as db:
        account = await UserRepository(db).add(email=email, name="Ada", password_hash="x")
        subscriptions = [
            await UserRepository(db).add_push_subscription(
                user_id=account.id,
                endpoint=f"https://push.example.com/{uuid.uuid4().hex}",
                p256dh="key",
                auth="secret",
            )
            for _ in range(browsers)
        ]
    return account.id, email, [s.id for s in subscriptions]


def notice(user_id: int, kind: Kind = Kind.CONFIRMED) -> BookingNotice:
    return BookingNotice(
        event_id=uuid.uuid4(),
        kind=kind,
        booking_id=str(uuid.uuid4()),
        user_id=user_id,
        session_id=5,
        seats=(Seat(3, 7),),
        total_price_cents=1250,
        expires_at=datetime.now(UTC) + timedelta(minutes=10),
        reason="cancelled_by_user" if kind is Kind.CANCELLED else "",
    )


async def outcomes(sessions: Sessions, event_id: uuid.UUID) -> dict[str, str]:
    async with sessions() as db:
        rows = await db.execute(
            select(SentNotification.channel, SentNotification.outcome).where(
                SentNotification.event_id == event_id
            )
        )
        return {row.channel: row.outcome for row in rows}


async def test_a_notice_handled_twice_sends_one_email_and_one_push_per_browser(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    user_id, email, browsers = await new_user(sessions, browsers=2)
    confirmed = notice(user_id)
    await setup.notifier.notify(confirmed)
    await setup.notifier.notify(confirmed)
    assert [(to, subject) for to, subject, _ in setup.mailer.sent] == [
        (email, "Booking confirmed: The Long Take on Tue 1 Jan 2030, 20:00 UTC")
    ]
    assert sorted(sent[0] for sent in setup.pusher.sent) == browsers
    assert await outcomes(sessions, confirmed.event_id) == {
        "email": "sent",
        **{f"push:{b}": "sent" for b in browsers},
    }


async def test_concurrent_deliveries_of_one_event_send_one_email(sessions: Sessions) -> None:
    setup = Setup(sessions, mail_delay=0.05)
    user_id, _, _ = await new_user(sessions)
    cancelled = notice(user_id, Kind.CANCELLED)
    await asyncio.gather(*(setup.notifier.notify(cancelled) for _ in range(5)))
    assert len(setup.mailer.sent) == 1


async def test_a_failed_send_is_rolled_back_so_that_the_retry_sends_it(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    user_id, _, _ = await new_user(sessions)
    confirmed = notice(user_id)
    setup.mailer.failures.append(SendFailed("connection refused"))
    with pytest.raises(SendFailed):
        await setup.notifier.notify(confirmed)
    assert await outcomes(sessions, confirmed.event_id) == {}
    await setup.notifier.notify(confirmed)
    assert len(setup.mailer.sent) == 1
    assert await outcomes(sessions, confirmed.event_id) == {"email": "sent"}


async def test_a_recipient_refused_for_good_is_recorded_and_not_tried_again(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    user_id, _, _ = await new_user(sessions)
    confirmed = notice(user_id)
    setup.mailer.failures.append(SendFailed("550 no such user", permanent=True))
    await setup.notifier.notify(confirmed)
    await setup.notifier.notify(confirmed)
    assert setup.mailer.sent == []
    assert await outcomes(sessions, confirmed.event_id) == {"email": "rejected"}


async def test_a_subscription_the_push_service_calls_gone_is_deleted(sessions: Sessions) -> None:
    setup = Setup(sessions)
    user_id, _, (gone, kept) = await new_user(sessions, browsers=2)
    setup.pusher.answers = [PushOutcome.GONE, PushOutcome.SENT]
    confirmed = notice(user_id)
    await setup.notifier.notify(confirmed)
    async with sessions() as db:
        left = await db.scalars(
            select(PushSubscription.id).where(PushSubscription.user_id == user_id)
        )
        assert list(left) == [kept]
    assert (await outcomes(sessions, confirmed.event_id))[f"push:{gone}"] == "gone"


async def test_a_push_service_that_keeps_failing_is_given_up_after_a_few_attempts(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    user_id, _, (browser,) = await new_user(sessions, browsers=1)
    setup.pusher.answers = [PushFailed("503")] * MAX_PUSH_ATTEMPTS
    cancelled = notice(user_id, Kind.CANCELLED)
    for _ in range(MAX_PUSH_ATTEMPTS - 1):
        with pytest.raises(PushFailed):
            await setup.notifier.notify(cancelled)
    await setup.notifier.notify(cancelled)
    assert len(setup.mailer.sent) == 1
    assert await outcomes(sessions, cancelled.event_id) == {
        "email": "sent",
        f"push:{browser}": "failed",
    }


async def test_a_reminder_push_lives_until_the_hold_expires_and_is_urgent(
    sessions: Sessions,
) -> None:
    setup = Setup(sessions)
    user_id, _, _ = await new_user(sessions, browsers=1)
    await setup.notifier.notify(notice(user_id, Kind.REMINDER))
    ((_, _, ttl, urgency),) = setup.pusher.sent
    assert 0 < ttl <= 600
    assert urgency == "high"


async def test_nothing_is_sent_to_a_user_who_no_longer_exists(sessions: Sessions) -> None:
    setup = Setup(sessions)
    await setup.notifier.notify(notice(2**62))
    assert setup.mailer.sent == []


async def test_replicas_starting_together_agree_on_one_vapid_key_and_keep_it() -> None:
    engine = make_engine(fresh_database("user_vapid"), pool_size=10)
    try:
        sessions = make_sessionmaker(engine)
        pairs = await asyncio.gather(*(ensure_vapid_keys(sessions) for _ in range(8)))
        again = await ensure_vapid_keys(sessions)
    finally:
        await engine.dispose()
    assert {pair.public_key for pair in [*pairs, again]} == {again.public_key}
    assert public_key_text(again.private_key.public_key()) == again.public_key
    point = base64.urlsafe_b64decode(again.public_key + "=" * (-len(again.public_key) % 4))
    assert len(point) == 65
    assert point[0] == 4
    assert isinstance(again.private_key.curve, ec.SECP256R1)
