"""svckit.db.make_engine against a real PostgreSQL: it opens at most `pool_size` connections
and keeps each it opens, so a burst never makes PostgreSQL start a backend per request; it
gives out no connection the server has closed, and finds them without asking the server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy import infra
from svckit.db import libpq_dsn, make_engine
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


async def pool_pids(engine: AsyncEngine) -> set[int]:
    """The backends of the engine's pooled connections, each taken out at once."""
    taken = [await engine.connect() for _ in range(POOL_SIZE)]
    try:
        return {await conn.scalar(text("SELECT pg_backend_pid()")) for conn in taken}
    finally:
        for conn in taken:
            await conn.close()


async def terminate(engine: AsyncEngine, pids: set[int]) -> None:
    """Ends the backends from a connection of its own, as a restart of PostgreSQL would,
    waiting until each is gone."""
    dsn = libpq_dsn(engine.url.render_as_string(hide_password=False))
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as admin:
        ended = await admin.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM unnest(%s::int[]) pid", [sorted(pids)]
        )
        assert [row[0] for row in await ended.fetchall()] == [True] * len(pids)


async def test_connections_the_server_closed_are_replaced_before_anyone_gets_them(
    engine: AsyncEngine,
) -> None:
    closed = await pool_pids(engine)
    await terminate(engine, closed)

    async def request() -> int:
        async with engine.begin() as conn:
            pid: int = await conn.scalar(text("SELECT pg_backend_pid()"))
            return pid

    served_by = await asyncio.gather(*(request() for _ in range(2 * POOL_SIZE)))
    assert closed.isdisjoint(served_by)


async def last_statement(engine: AsyncEngine, pid: int) -> str:
    async with engine.connect() as conn:
        query = "SELECT query FROM pg_stat_activity WHERE pid = :pid"
        return str(await conn.scalar(text(query), {"pid": pid}))


async def test_taking_a_connection_from_the_pool_sends_the_server_nothing(
    engine: AsyncEngine,
) -> None:
    one = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1)
    try:
        async with one.begin() as conn:
            pid = await conn.scalar(text("SELECT pg_backend_pid()"))
        assert await last_statement(engine, pid) == "COMMIT"
        async with one.connect():
            assert await last_statement(engine, pid) == "COMMIT"
    finally:
        await one.dispose()
