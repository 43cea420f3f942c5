"""A password change, role change or deletion: token version bumped, refresh tokens revoked
and one user.changed event in the outbox, all in the change's own transaction; the relay
publishes the event to the real Kafka broker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncEngine

from cinemapb.events.v1 import events_pb2
from cinemapb.user.v1 import user_pb2
from deploy import infra
from deploy.kafka_broker import ensure_topics
from svckit.errors import AlreadyExists
from svckit.kafka import consumer_config, headers_dict
from svckit.outbox import OutboxRelay
from svckit.vocabulary import EventType, Topic
from tests.user_svc.conftest import ADMIN, PASSWORD, TOPIC_PREFIX, new_account
from user_svc import revocation
from user_svc.accounts import Accounts
from user_svc.domain import Account, AccountChanges
from user_svc.models import outbox
from user_svc.sign_ins import SignIns


async def events_of(engine: AsyncEngine, user_id: int) -> list[Row[Any]]:
    """The user's outbox rows, oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT * FROM outbox WHERE key = :key ORDER BY id"), {"key": str(user_id)}
        )
        return list(rows.all())


async def live_refresh_tokens(engine: AsyncEngine, user_id: int) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(
            text("SELECT count(*) FROM refresh_tokens WHERE user_id = :id AND revoked_at IS NULL"),
            {"id": user_id},
        )
    return int(count or 0)


async def token_version(engine: AsyncEngine, user_id: int) -> int | None:
    async with engine.connect() as conn:
        version = await conn.scalar(
            text("SELECT token_version FROM users WHERE id = :id"), {"id": user_id}
        )
    return None if version is None else int(version)


async def signed_in_twice(accounts: Accounts, sign_ins: SignIns) -> Account:
    account = await new_account(accounts)
    for _ in range(2):
        await sign_ins.login(email=account.email, password=PASSWORD)
    return account


def user_changed(row: Row[Any]) -> events_pb2.UserChanged:
    assert row.topic == TOPIC_PREFIX + Topic.USER_CHANGED
    assert row.event_type == EventType.USER_CHANGED
    event = events_pb2.UserChanged.FromString(row.payload)
    assert event.event_id == str(row.event_id)
    assert event.time.seconds > 0
    return event


@pytest.mark.parametrize(
    ("changes", "role"),
    [
        (AccountChanges(password="N3w-Passphrase"), user_pb2.ROLE_USER),
        (AccountChanges(role="admin"), user_pb2.ROLE_ADMIN),
        (AccountChanges(name="Renamed", password="N3w-Passphrase"), user_pb2.ROLE_USER),
    ],
)
async def test_a_password_or_role_change_bumps_the_version_revokes_and_queues_one_event(
    accounts: Accounts,
    sign_ins: SignIns,
    engine: AsyncEngine,
    changes: AccountChanges,
    role: int,
) -> None:
    account = await signed_in_twice(accounts, sign_ins)
    assert await live_refresh_tokens(engine, account.id) == 2
    await accounts.update(ADMIN, account.id, changes)
    assert await token_version(engine, account.id) == 1
    assert await live_refresh_tokens(engine, account.id) == 0
    (row,) = await events_of(engine, account.id)
    event = user_changed(row)
    assert (event.user_id, event.token_version, event.deleted, event.role) == (
        account.id,
        1,
        False,
        role,
    )


async def test_deletion_queues_one_event_of_a_deleted_user_at_the_next_version(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    account = await signed_in_twice(accounts, sign_ins)
    await accounts.update(ADMIN, account.id, AccountChanges(role="admin"))
    await accounts.delete(ADMIN, account.id)
    assert await token_version(engine, account.id) is None
    assert await live_refresh_tokens(engine, account.id) == 0
    changed, deleted = (user_changed(row) for row in await events_of(engine, account.id))
    assert (changed.token_version, changed.deleted) == (1, False)
    assert (deleted.user_id, deleted.token_version, deleted.deleted, deleted.role) == (
        account.id,
        2,
        True,
        user_pb2.ROLE_ADMIN,
    )


async def test_other_changes_and_the_unchanged_role_revoke_nothing(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    account = await signed_in_twice(accounts, sign_ins)
    email = f"renamed-{uuid.uuid4().hex[:12]}@example.com"
    await accounts.update(ADMIN, account.id, AccountChanges(name="Renamed", email=email))
    await accounts.update(ADMIN, account.id, AccountChanges(role="user"))
    await accounts.update(ADMIN, account.id, AccountChanges())
    assert await token_version(engine, account.id) == 0
    assert await live_refresh_tokens(engine, account.id) == 2
    assert await events_of(engine, account.id) == []


async def test_a_change_that_fails_bumps_revokes_and_queues_nothing(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    account = await signed_in_twice(accounts, sign_ins)
    other = await new_account(accounts)
    taken = AccountChanges(email=other.email, password="N3w-Passphrase")
    with pytest.raises(AlreadyExists):
        await accounts.update(ADMIN, account.id, taken)
    assert await token_version(engine, account.id) == 0
    assert await live_refresh_tokens(engine, account.id) == 2
    assert await events_of(engine, account.id) == []


async def test_a_change_whose_event_cannot_be_queued_is_not_made(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await signed_in_twice(accounts, sign_ins)

    async def outbox_down(*_args: object, **_kwargs: object) -> uuid.UUID:
        raise RuntimeError("outbox write failed")

    monkeypatch.setattr(revocation, "add_event", outbox_down)
    with pytest.raises(RuntimeError):
        await accounts.update(ADMIN, account.id, AccountChanges(role="admin"))
    with pytest.raises(RuntimeError):
        await accounts.delete(ADMIN, account.id)
    assert (await accounts.get(ADMIN, account.id)).role == "user"
    assert await token_version(engine, account.id) == 0
    assert await live_refresh_tokens(engine, account.id) == 2
    assert await events_of(engine, account.id) == []


async def test_ensure_admin_revokes_on_a_promotion_or_a_new_password_only(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    account = await signed_in_twice(accounts, sign_ins)
    name = account.name
    await accounts.ensure_admin(email=account.email, password=PASSWORD, name=name)
    await sign_ins.login(email=account.email, password=PASSWORD)
    await accounts.ensure_admin(email=account.email, password=PASSWORD, name=name)
    assert await live_refresh_tokens(engine, account.id) == 1
    await accounts.ensure_admin(email=account.email, password="Adm1n-Passphrase", name=name)
    assert await token_version(engine, account.id) == 2
    assert await live_refresh_tokens(engine, account.id) == 0
    events = [user_changed(row) for row in await events_of(engine, account.id)]
    assert [(e.token_version, e.role) for e in events] == [
        (1, user_pb2.ROLE_ADMIN),
        (2, user_pb2.ROLE_ADMIN),
    ]


# -- the relay to the real broker ------------------------------------------------------------


@pytest.fixture
def kafka_topic(endpoints: infra.Endpoints) -> Iterator[str]:
    """A user.changed topic that exists on the broker for this test only."""
    topic = f"user-changed-{uuid.uuid4().hex[:8]}.{Topic.USER_CHANGED}"
    ensure_topics(endpoints.kafka_bootstrap, {topic: 1})
    yield topic
    AdminClient({"bootstrap.servers": endpoints.kafka_bootstrap}).delete_topics([topic])


def consume_one(bootstrap: str, topic: str) -> Any:
    consumer = Consumer(consumer_config(bootstrap, f"test-{uuid.uuid4().hex[:8]}"))
    consumer.subscribe([topic])
    try:
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                return message
        raise AssertionError(f"nothing arrived on {topic}")
    finally:
        consumer.close()


async def test_the_relay_publishes_the_event_to_kafka_keyed_by_user_id(
    engine: AsyncEngine,
    user_dsn: str,
    sign_ins: SignIns,
    endpoints: infra.Endpoints,
    kafka_topic: str,
) -> None:
    accounts = Accounts(sign_ins.sessions, sign_ins.hasher, user_changed_topic=kafka_topic)
    account = await new_account(accounts)
    async with engine.begin() as conn:  # earlier tests' events are for topics that do not exist
        await conn.execute(text("UPDATE outbox SET published_at = now()"))
    await accounts.update(ADMIN, account.id, AccountChanges(password="N3w-Passphrase"))
    relay = OutboxRelay(
        engine,
        user_dsn,
        outbox,
        bootstrap_servers=endpoints.kafka_bootstrap,
        source="user_svc",
    )
    try:
        assert await relay.publish_batch() == 1
    finally:
        await asyncio.to_thread(relay.close)
    (row,) = await events_of(engine, account.id)
    assert row.published_at is not None

    message = await asyncio.to_thread(consume_one, endpoints.kafka_bootstrap, kafka_topic)
    assert message.key() == str(account.id).encode()
    headers = headers_dict(message)
    assert (headers["ce_id"], headers["ce_type"], headers["ce_source"]) == (
        str(row.event_id),
        "user.changed",
        "user_svc",
    )
    event = events_pb2.UserChanged.FromString(message.value())
    assert (event.user_id, event.token_version, event.deleted) == (account.id, 1, False)
