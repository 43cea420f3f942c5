"""booking_svc's time-driven work beyond svckit.deadlines: hearing of holds made elsewhere.

A hold made in this process wakes the expirer directly; one made by another replica
reaches it through PostgreSQL NOTIFY, with the hold's deadline as the payload.
"""

from __future__ import annotations

import logging

import psycopg

from booking_svc.repository import HOLDS_CHANNEL
from svckit.deadlines import DeadlineLoop
from svckit.outbox import libpq_dsn

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 600.0


async def wake_on_new_holds(dsn: str, loop: DeadlineLoop) -> None:
    """Wakes `loop` when any replica commits a hold due before the planned wake-up."""
    async with await psycopg.AsyncConnection.connect(libpq_dsn(dsn), autocommit=True) as conn:
        await conn.execute(f"LISTEN {HOLDS_CHANNEL}")
        async for notice in conn.notifies():
            try:
                loop.wake_for(float(notice.payload))
            except ValueError:
                loop.wake()
