"""The relay's own database connection: the leader lock and the commits' NOTIFY wake-ups.

Raw psycopg, autocommit: a session-level advisory lock and LISTEN need one long-lived
connection of their own, which must never go back to a pool while it holds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator
from typing import Any

import psycopg

from svckit.db import libpq_dsn
from svckit.outbox.table import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

RELAY_LOCK_KEY = 7_264_002


async def first_notice(conn: psycopg.AsyncConnection[Any], within: float) -> bool:
    """Waits up to `within` seconds for a notice on a LISTENing connection; True if one came."""
    async with contextlib.aclosing(conn.notifies(timeout=within)) as notices:
        async for _ in notices:
            return True
    return False


class Leader:
    """The leading relay's connection: it holds the lock until it closes."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def listen(self) -> None:
        """From now on, every commit that queues events wakes this connection."""
        await self.conn.execute(f"LISTEN {NOTIFY_CHANNEL}")

    async def heard_commit(self, within: float) -> bool:
        """Waits up to `within` seconds for a commit's NOTIFY; True if one came."""
        return await first_notice(self.conn, within)


@contextlib.asynccontextmanager
async def leading(dsn: str, *, source: str, poll_seconds: float) -> AsyncIterator[Leader]:
    """Connects and yields once this relay holds the leader lock (a standby keeps trying)."""
    async with await psycopg.AsyncConnection.connect(libpq_dsn(dsn), autocommit=True) as conn:
        for attempt in itertools.count():
            cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (RELAY_LOCK_KEY,))
            row = await cursor.fetchone()
            if row and row[0]:
                break
            if attempt == 0:
                log.info("outbox relay on standby for %s", source)
            await asyncio.sleep(poll_seconds)
        yield Leader(conn)
