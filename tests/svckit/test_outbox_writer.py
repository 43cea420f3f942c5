"""svckit.outbox's writer against a real PostgreSQL: add_events_and_commit queues the events
and commits the caller's transaction with them; if the events cannot be written, nothing of
the transaction is."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from psycopg.errors import UniqueViolation
from sqlalchemy import BigInteger, Column, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy import infra
from svckit.db import make_sessionmaker, service_metadata
from svckit.outbox import OutboxEvent, add_events_and_commit, outbox_table
from tests.conftest import scratch_engine

metadata = service_metadata()
outbox = outbox_table(metadata)
changes = Table("changes", metadata, Column("id", BigInteger, primary_key=True))


@pytest.fixture(scope="module")
async def engine(endpoints: infra.Endpoints) -> AsyncIterator[AsyncEngine]:
    async with scratch_engine("outbox_writer", metadata, pool_size=3) as db_engine:
        yield db_engine


def event(event_id: uuid.UUID | None = None) -> OutboxEvent:
    return OutboxEvent("topic", "key", "type", b"payload", event_id or uuid.uuid4())


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    """Committed rows of (changes, outbox), read on another connection."""
    async with engine.connect() as conn:
        made = (await conn.execute(select(func.count()).select_from(changes))).scalar_one()
        queued = (await conn.execute(select(func.count()).select_from(outbox))).scalar_one()
    return made, queued


async def test_the_change_and_its_events_are_committed_before_the_block_ends(
    engine: AsyncEngine,
) -> None:
    before = await counts(engine)
    async with make_sessionmaker(engine).begin() as db:
        await db.execute(changes.insert().values(id=1))
        await add_events_and_commit(db, outbox, [event(), event()])
        assert await counts(engine) == (before[0] + 1, before[1] + 2)
    assert await counts(engine) == (before[0] + 1, before[1] + 2)


async def test_events_that_cannot_be_written_commit_nothing(engine: AsyncEngine) -> None:
    taken = uuid.uuid4()
    async with make_sessionmaker(engine).begin() as db:
        await add_events_and_commit(db, outbox, [event(taken)])
    before = await counts(engine)
    async with make_sessionmaker(engine).begin() as db:
        await db.execute(changes.insert().values(id=2))
        with pytest.raises(UniqueViolation):
            await add_events_and_commit(db, outbox, [event(), event(taken)])
        await db.rollback()
    assert await counts(engine) == before
