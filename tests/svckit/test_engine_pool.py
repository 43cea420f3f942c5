"""svckit.db.make_engine against a real PostgreSQL: it opens at most `pool_size` connections
and keeps each it opens, so a burst never makes PostgreSQL start a backend per request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy import infra
from tests.conftest import scratch_engine

POOL_SIZE = 3


@pytest.fixture(scope="module")
async def engine(endpoints: infra.Endpoints) -> AsyncIterator[AsyncEngine]:
    async with scratch_engine("engine_pool", pool_size=POOL_SIZE) as db_engine:
        yield db_engine


async def backend_pids(engine: AsyncEngine) -> set[int]:
    """The PostgreSQL backends connected to the engine's database, the asking one included."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        )
        return {pid for (pid,) in rows}


async def test_a_burst_uses_at_most_pool_size_connections_and_keeps_them(
    engine: AsyncEngine,
) -> None:
    seen: set[int] = set()

    async def request() -> None:
        async with engine.connect() as conn:
            seen.add(await conn.scalar(text("SELECT pg_backend_pid()")))
            await asyncio.sleep(0.05)

    await asyncio.gather(*(request() for _ in range(4 * POOL_SIZE)))
    assert len(seen) == POOL_SIZE
    assert await backend_pids(engine) == seen
