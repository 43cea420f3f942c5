"""Expiry: 10,000 holds with the same deadline; how long after it is each one released?

The holds are written straight into booking_svc's database (the API cannot give 10,000
holds one deadline), then the running booking_svc's expirer is watched from outside: a hold
counts as released at the commit time of the transaction that expired it (PostgreSQL's
`track_commit_timestamp`), or, where the server keeps no commit times, at the first poll
that sees it expired.
`announce_lag_ms` times each hold's `booking.cancelled` event by when Kafka acknowledged it
(the outbox row's `published_at`): seats free first, their events follow.
`cpu_us_per_expiry` is the CPU time each process spent from the holds' creation until the
system was quiet again (every event on Kafka and read by every consumer), per hold: the
expiring, the relay, Kafka and the consumers; `cpu_us_per_expiry_net_of_idle` takes off what
each used idle (bench/cpu.py).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import psycopg

from bench.cpu import CpuSnapshot, ProcessCpu, cpu_seconds, idle_rates, net_of_idle, per_unit_us
from bench.harness import BenchStack, percentiles, quiet

POLL_SECONDS = 0.05
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

COUNT_PENDING = """
SELECT count(*) FROM bookings WHERE status = 'pending' AND expires_at = to_timestamp(%(deadline)s)
"""
ANNOUNCE_LAGS = """
SELECT (extract(epoch FROM published_at) - %(deadline)s) * 1000 FROM outbox
WHERE topic LIKE '%%booking.cancelled' AND created_at >= to_timestamp(%(deadline)s)
"""
COMMIT_LAGS = """
SELECT (extract(epoch FROM pg_xact_commit_timestamp(xmin)) - %(deadline)s) * 1000
FROM bookings WHERE session_id >= 900000 AND status = 'expired'
"""


async def run(bench: BenchStack, *, holds: int = 10_000) -> dict[str, Any]:
    cpu = ProcessCpu.of_stack(bench.stack, bench.env)
    idle = await idle_rates(cpu)
    # One connection for the whole run, open until the last snapshot: a backend that ends
    # counts its whole life (making the holds included) under postgres:ended.
    conn: psycopg.Connection[Any] = await asyncio.to_thread(_connect, bench.booking_dsn)
    with conn:
        result, (before, started), deadline = await asyncio.to_thread(
            _create_and_watch, conn, holds, cpu
        )
        await quiet(bench)
        after, wall = cpu.snapshot(), time.perf_counter() - started
        announce_lags_ms = await asyncio.to_thread(_announce_lags_ms, conn, deadline)
    used = cpu_seconds(before, after)
    return result | {
        "announced": len(announce_lags_ms),
        "announce_lag_ms": percentiles(announce_lags_ms),
        "cpu_us_per_expiry": per_unit_us(used, holds),
        "cpu_us_per_expiry_net_of_idle": per_unit_us(net_of_idle(used, idle, wall), holds),
    }


def _connect(dsn: str) -> psycopg.Connection[Any]:
    return psycopg.connect(dsn, autocommit=True)


def _create_and_watch(
    conn: psycopg.Connection[Any], holds: int, cpu: ProcessCpu
) -> tuple[dict[str, Any], tuple[CpuSnapshot, float], float]:
    """The release figures, a CPU snapshot taken once the holds were made (with its
    `perf_counter`), and the holds' deadline."""
    deadline = time.time() + LEAD_SECONDS
    conn.execute(CREATE_HOLDS, {"sessions": SESSIONS, "deadline": deadline, "count": holds})
    before, started = cpu.snapshot(), time.perf_counter()
    conn.execute("SELECT pg_notify('booking_holds', '')")
    time.sleep(max(0.0, deadline - time.time()))
    polled_lags_ms = _watch_releases(conn, deadline, holds)
    committed_lags_ms = _commit_lags_ms(conn, deadline)
    freed = conn.execute(
        "SELECT count(*) FROM booking_seats WHERE session_id >= 900000 AND NOT active"
    ).fetchone()
    lags_ms = committed_lags_ms if committed_lags_ms is not None else polled_lags_ms
    result = {
        "holds": holds,
        "released": len(polled_lags_ms),
        "seats_freed": int(freed[0]) if freed else 0,
        "release_times": "commit timestamps" if committed_lags_ms is not None else "polls",
        "released_before_deadline": sum(1 for lag in lags_ms if lag < 0),
        "release_lag_ms": percentiles(lags_ms),
        "all_released_within_ms": round(max(lags_ms), 1) if lags_ms else None,
    }
    return result, (before, started), deadline


def _watch_releases(conn: psycopg.Connection[Any], deadline: float, holds: int) -> list[float]:
    """Polls until every hold is released (or 30 s pass); each one's lag as the first poll
    that saw it released. The count reads the partial index of pending holds, which shrinks
    as they go, so watching costs the database little while the expirer works."""
    lags_ms: list[float] = []
    give_up = deadline + 30
    while len(lags_ms) < holds and time.time() < give_up:
        row = conn.execute(COUNT_PENDING, {"deadline": deadline}).fetchone()
        now = time.time()
        released = holds - (int(row[0]) if row else holds)
        lags_ms += [(now - deadline) * 1000] * (released - len(lags_ms))
        if len(lags_ms) < holds:
            time.sleep(POLL_SECONDS)
    return lags_ms


def _commit_lags_ms(conn: psycopg.Connection[Any], deadline: float) -> list[float] | None:
    """Each release's lag by the commit time of the transaction that expired it; None when
    the server does not keep commit times (`track_commit_timestamp`, on in `make infra-up`'s
    PostgreSQL)."""
    try:
        rows = conn.execute(COMMIT_LAGS, {"deadline": deadline}).fetchall()
    except psycopg.Error:
        return None
    return [float(row[0]) for row in rows]


def _announce_lags_ms(conn: psycopg.Connection[Any], deadline: float) -> list[float]:
    """When Kafka acknowledged each expiry's event, after the deadline."""
    rows = conn.execute(ANNOUNCE_LAGS, {"deadline": deadline}).fetchall()
    return [float(row[0]) for row in rows]
