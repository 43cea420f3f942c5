"""The hold transaction as raw SQL on psycopg: the physical limit the stack is compared with."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from bench.harness import percentiles
from deploy.infra import create_database
from svckit.migrations import upgrade_to_head

MIGRATIONS = Path(__file__).resolve().parent.parent / "booking_svc" / "migrations"

HOLD = """
    WITH booking AS (
        INSERT INTO bookings (id, user_id, session_id, total_price_cents, expires_at,
                              session_starts_at, session_ends_at)
        VALUES (%(id)s, %(user)s, %(session)s, %(total)s, now() + interval '900 seconds',
                now() + interval '1 day', now() + interval '2 days')
        RETURNING id, session_id, expires_at
    ),
    claimed AS (
        INSERT INTO booking_seats (booking_id, session_id, seat_id, row, number, type,
                                   price_cents)
        SELECT booking.id, booking.session_id, seat, 1, seat, 'standard', 1000
        FROM booking, unnest(%(seats)s::bigint[]) AS seat
        ORDER BY seat
        ON CONFLICT (session_id, seat_id) WHERE active DO NOTHING
        RETURNING seat_id
    ),
    bumped AS (
        INSERT INTO seat_map_versions (session_id, version)
        SELECT %(session)s, 1 WHERE (SELECT count(*) FROM claimed) = %(count)s
        ON CONFLICT (session_id) DO UPDATE SET version = seat_map_versions.version + 1
        RETURNING version
    )
    SELECT bumped.version, pg_notify('booking_holds', extract(epoch FROM booking.expires_at)::text)
    FROM booking LEFT JOIN bumped ON true
"""
OUTBOX = """
    WITH queued AS (
        INSERT INTO outbox (event_id, topic, key, event_type, payload)
        VALUES (%(event)s, 'booking.created', %(session)s::text, 'booking.created', %(payload)s)
    )
    SELECT pg_notify('outbox', '')
"""


async def _hold(conn: psycopg.AsyncConnection[Any], session: int, seats: list[int]) -> bool:
    """booking_svc's hold transaction: the hold statement, then its event; all or nothing."""
    params = {
        "id": uuid.uuid4(),
        "user": 1,
        "session": session,
        "total": 1000 * len(seats),
        "seats": seats,
        "count": len(seats),
        "event": uuid.uuid4(),
        "payload": b"x" * 120,
    }
    async with conn.transaction():
        cursor = await conn.execute(HOLD, params)
        row = await cursor.fetchone()
        if row is None or row[0] is None:
            raise psycopg.Rollback()
        await conn.execute(OUTBOX, params)
        return True
    return False


async def raw_sql_holds(*, clients: int, seats: int, rounds: int) -> dict[str, Any]:
    """`clients` connections holding 1-4 random free seats until sold out, `rounds` sessions."""
    dsn = create_database("bench_raw_sql", drop_first=True)
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, dsn)
    rng = random.Random(11)
    latencies: list[float] = []
    holds = conflicts = 0
    connections = [
        await psycopg.AsyncConnection.connect(dsn, autocommit=True) for _ in range(clients)
    ]

    async def client(conn: psycopg.AsyncConnection[Any], session: int, free: set[int]) -> None:
        nonlocal holds, conflicts
        while free:
            chosen = sorted(rng.sample(sorted(free), min(rng.randint(1, 4), len(free))))
            started = time.perf_counter()
            ok = await _hold(conn, session, chosen)
            latencies.append((time.perf_counter() - started) * 1000)
            if ok:
                holds += 1
                free.difference_update(chosen)
            else:
                conflicts += 1
                free.difference_update(await _taken(conn, session, chosen))

    started = time.perf_counter()
    for session in range(1, rounds + 1):
        free = set(range(1, seats + 1))
        await asyncio.gather(*(client(conn, session, free) for conn in connections))
    elapsed = time.perf_counter() - started
    for conn in connections:
        await conn.close()
    return {
        "holds": holds,
        "conflicts": conflicts,
        "seconds": round(elapsed, 3),
        "holds_per_second": round(holds / elapsed, 1),
        "latency_ms": percentiles(latencies),
    }


async def _taken(conn: psycopg.AsyncConnection[Any], session: int, seats: list[int]) -> set[int]:
    cursor = await conn.execute(
        "SELECT seat_id FROM booking_seats WHERE session_id = %s AND active AND seat_id = ANY(%s)",
        (session, seats),
    )
    return {row[0] for row in await cursor.fetchall()}
