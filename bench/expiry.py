"""Expiry: 10,000 holds with the same deadline; how long after it is each one released?

The holds are written straight into booking_svc's database (the API cannot give 10,000
holds one deadline), then the running booking_svc's expirer is watched from outside by
polling: a hold counts as released at the first poll that sees it expired.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import psycopg

from bench.harness import BenchStack, percentiles

POLL_SECONDS = 0.02
LEAD_SECONDS = 3.0
SESSIONS = 100

CREATE_HOLDS = """
WITH made AS (
    INSERT INTO bookings (id, user_id, session_id, status, payment_status, total_price_cents,
                          expires_at, session_starts_at, session_ends_at)
    SELECT gen_random_uuid(), 1, 900000 + n %% %(sessions)s, 'pending', 'pending', 1000,
           to_timestamp(%(deadline)s), now() + interval '1 day', now() + interval '2 days'
    FROM generate_series(1, %(count)s) AS n
    RETURNING id, session_id
)
INSERT INTO booking_seats (booking_id, seat_id, session_id, row, number, type, price_cents)
SELECT id, row_number() OVER (PARTITION BY session_id ORDER BY id), session_id, 1, 1,
       'standard', 1000
FROM made
"""


async def run(bench: BenchStack, *, holds: int = 10_000) -> dict[str, Any]:
    return await asyncio.to_thread(_create_and_watch, bench.booking_dsn, holds)


def _create_and_watch(booking_dsn: str, holds: int) -> dict[str, Any]:
    deadline = time.time() + LEAD_SECONDS
    with psycopg.connect(booking_dsn, autocommit=True) as conn:
        conn.execute(CREATE_HOLDS, {"sessions": SESSIONS, "deadline": deadline, "count": holds})
        conn.execute("SELECT pg_notify('booking_holds', '')")
        lags_ms: list[float] = []
        released = 0
        give_up = deadline + 30
        while released < holds and time.time() < give_up:
            time.sleep(POLL_SECONDS)
            row = conn.execute(
                "SELECT count(*) FROM bookings WHERE status = 'expired' AND session_id >= 900000"
            ).fetchone()
            now = time.time()
            seen = int(row[0]) if row else 0
            lags_ms += [max(0.0, (now - deadline) * 1000)] * (seen - released)
            released = seen
        freed = conn.execute(
            "SELECT count(*) FROM booking_seats WHERE session_id >= 900000 AND NOT active"
        ).fetchone()
    return {
        "holds": holds,
        "released": released,
        "seats_freed": int(freed[0]) if freed else 0,
        "poll_resolution_ms": POLL_SECONDS * 1000,
        "release_lag_ms": percentiles(lags_ms),
        "all_released_within_ms": round(max(lags_ms), 1) if lags_ms else None,
    }
