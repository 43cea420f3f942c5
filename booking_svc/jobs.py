"""booking_svc's timers: holds that expire, sessions that end, idempotency keys to forget.

How the expirer hears of new holds: a hold made in this process wakes it directly
(`BookingService.on_hold`); one made by another replica reaches it through PostgreSQL NOTIFY
on HOLDS_CHANNEL, which the hold statement sends at commit with the deadline as payload.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import psycopg

from svckit.db import libpq_dsn
from svckit.deadlines import DeadlineLoop, every

if TYPE_CHECKING:
    from booking_svc.service import BookingService
    from svckit.outbox import OutboxRelay

HOLDS_CHANNEL = "booking_holds"
"""NOTIFY channel a hold signals at commit, so every replica's expirer can re-plan its sleep."""
BATCH_SIZE = 1000
"""Bookings a timer takes per transaction."""
RELAY_DEFERRAL_SECONDS = 1.0
"""How long the outbox relay lets a burst of expiries go first (see `timers`)."""
PURGE_INTERVAL_SECONDS = 600.0


def timers(
    bookings: BookingService, dsn: str, relay: OutboxRelay
) -> dict[str, Callable[[], Awaitable[None]]]:
    """The background tasks that move bookings along with time, by name.

    While holds expire in a burst (a sale's holds made in the same minute, 15 minutes later),
    the relay waits for the burst, up to RELAY_DEFERRAL_SECONDS: the relay, Kafka and every
    consumer of the events would otherwise take CPU from the expiring, and every seat would
    be free later. Their events go out right after.
    """
    expirer = DeadlineLoop(
        "expirer",
        bookings.expire_due,
        bookings.seconds_until_next_hold_deadline,
        batch_size=BATCH_SIZE,
    )
    bookings.on_hold = expirer.wake_for
    relay.before_batch = lambda: expirer.after_drain(RELAY_DEFERRAL_SECONDS)
    finisher = DeadlineLoop(
        "finisher",
        bookings.finish_due,
        bookings.seconds_until_next_session_end,
        batch_size=BATCH_SIZE,
    )
    return {
        "expirer": expirer.run,
        "expirer-wakeups": lambda: wake_on_new_holds(dsn, expirer),
        "finisher": finisher.run,
        "idempotency-purge": lambda: every(PURGE_INTERVAL_SECONDS, bookings.purge_idempotency_keys),
    }


async def wake_on_new_holds(dsn: str, loop: DeadlineLoop) -> None:
    """Wakes `loop` when any replica commits a hold due before the planned wake-up."""
    async with await psycopg.AsyncConnection.connect(libpq_dsn(dsn), autocommit=True) as conn:
        await conn.execute(f"LISTEN {HOLDS_CHANNEL}")
        async for notice in conn.notifies():
            try:
                loop.wake_for(float(notice.payload))
            except ValueError:
                loop.wake()
