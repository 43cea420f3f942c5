"""Flash sale: many clients holding random free seats through the gateway until sold out.

The buyers use aiohttp, whose client costs a fraction of httpx's CPU: on a two-core machine
the load generator shares the cores with the system it measures.

The same hold transaction is then run as raw SQL against the same PostgreSQL with the same
concurrency: that is the physical limit, and the ratio says how much the stack costs.

`cpu_us_per_hold` is the CPU time each process (and the PostgreSQL backends of each
database) spent from the sale's first request until every event was published and consumed
(`cpu_drained_after_seconds` after the last answer), per successful hold;
`cpu_us_per_hold_net_of_idle` takes off what each used idle (measured for 2 s before the
sale) over that time, which keeps a run slowed down by other work comparable.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import psycopg

from bench.cpu import ProcessCpu, cpu_seconds, idle_rates, net_of_idle, per_unit_us
from bench.harness import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    BenchStack,
    bearer,
    create_sessions,
    login,
    percentiles,
    quiet,
    register_users,
)
from bench.raw_hold import raw_sql_holds

ROWS, SEATS_PER_ROW = 20, 25
RAW_SQL_ROUNDS = 5


@dataclass
class SaleState:
    """What every client knows: which seats of which sessions still look free."""

    free: dict[int, set[int]]
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def pick(self) -> tuple[int, list[int]] | None:
        open_sessions = [s for s, seats in self.free.items() if seats]
        if not open_sessions:
            return None
        session = self.rng.choice(open_sessions)
        seats = sorted(self.free[session])
        return session, self.rng.sample(seats, min(self.rng.randint(1, 4), len(seats)))


@dataclass
class SaleStats:
    statuses: Counter[int] = field(default_factory=Counter)
    hold_latencies_ms: list[float] = field(default_factory=list)
    all_latencies_ms: list[float] = field(default_factory=list)
    seats_sold: int = 0


async def _client(
    http: aiohttp.ClientSession, token: str, state: SaleState, stats: SaleStats
) -> None:
    """One buyer: holds random free seats until none look free."""
    failures = 0
    while (choice := state.pick()) is not None:
        session, seats = choice
        started = time.perf_counter()
        async with http.post(
            "/api/bookings", json={"session_id": session, "seats_id": seats}, headers=bearer(token)
        ) as response:
            body = await response.json()
        elapsed_ms = (time.perf_counter() - started) * 1000
        stats.statuses[response.status] += 1
        stats.all_latencies_ms.append(elapsed_ms)
        if response.status == 201:
            stats.hold_latencies_ms.append(elapsed_ms)
            stats.seats_sold += len(seats)
            state.free[session].difference_update(seats)
        elif response.status == 409 and "seat_ids" in body:
            state.free[session].difference_update(body["seat_ids"])
        elif response.status == 503 and body.get("code") == "overloaded":
            # shed by the gateway (make run's defaults): come back when told, as the page does
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
        else:
            failures += 1
            if failures > 20:
                return


async def _seat_ids(http: httpx.AsyncClient, session: int) -> set[int]:
    response = await http.get(f"/api/sessions/{session}/seats")
    response.raise_for_status()
    return {seat["seat_id"] for seat in response.json() if seat["status"] == "free"}


def double_bookings(booking_dsn: str) -> int:
    """Seats that appear in more than one live booking: must always be zero."""
    with psycopg.connect(booking_dsn) as conn:
        row = conn.execute(
            """
            SELECT count(*) FROM (
                SELECT bs.session_id, bs.seat_id
                FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id
                WHERE b.status IN ('pending', 'confirmed') AND bs.released_at IS NULL
                GROUP BY bs.session_id, bs.seat_id HAVING count(*) > 1
            ) AS doubles
            """
        ).fetchone()
    return int(row[0]) if row else -1


async def run(
    bench: BenchStack, *, clients: int, sessions: int, hall_number: int, rounds: int = 1
) -> dict[str, Any]:
    """`rounds` sales of `sessions` sessions each through the gateway, one after another,
    then raw SQL selling RAW_SQL_ROUNDS sessions one after another; returns the figures.

    A one-session sale of 500 seats is over in about two seconds: selling RAW_SQL_ROUNDS of
    them in a row, as the raw SQL does, makes the ratio compare like with like and steadier.
    """
    tag = f"sale{hall_number}"
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    async with httpx.AsyncClient(base_url=bench.base_url, timeout=60.0, limits=limits) as http:
        admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
        session_ids = await create_sessions(
            http,
            admin,
            count=sessions * rounds,
            rows=ROWS,
            seats_per_row=SEATS_PER_ROW,
            hall_number=hall_number,
        )
        tokens = await register_users(http, clients, tag)
        sales = [
            SaleState({s: await _seat_ids(http, s) for s in session_ids[r::rounds]})
            for r in range(rounds)
        ]
        seats_total = sum(len(seats) for sale in sales for seats in sale.free.values())
        stats = SaleStats()
        elapsed = 0.0
        connector = aiohttp.TCPConnector(limit=clients + 10)
        cpu = ProcessCpu.of_stack(bench.stack, bench.env)
        idle = await idle_rates(cpu)
        cpu_before = cpu.snapshot()
        cpu_started = time.perf_counter()
        async with aiohttp.ClientSession(bench.base_url, connector=connector) as buyers:
            for state in sales:
                started = time.perf_counter()
                await asyncio.gather(*(_client(buyers, token, state, stats) for token in tokens))
                elapsed += time.perf_counter() - started
    holds = stats.statuses[201]
    drained_seconds = await quiet(bench)
    cpu_used = cpu_seconds(cpu_before, cpu.snapshot())
    cpu_wall = time.perf_counter() - cpu_started
    raw = await raw_sql_holds(
        clients=clients, seats=seats_total // (sessions * rounds), rounds=RAW_SQL_ROUNDS
    )
    result: dict[str, Any] = {
        "clients": clients,
        "sessions": sessions,
        "rounds": rounds,
        "seats": seats_total,
        "seats_sold": stats.seats_sold,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(sum(stats.statuses.values()) / elapsed, 1),
        "holds_per_second": round(holds / elapsed, 1),
        "hold_latency_ms": percentiles(stats.hold_latencies_ms),
        "request_latency_ms": percentiles(stats.all_latencies_ms),
        "status_counts": {str(code): n for code, n in sorted(stats.statuses.items())},
        "double_bookings": double_bookings(bench.booking_dsn),
        "raw_sql": raw,
        "cpu_us_per_hold": per_unit_us(cpu_used, holds),
        "cpu_us_per_hold_net_of_idle": per_unit_us(net_of_idle(cpu_used, idle, cpu_wall), holds),
        "cpu_drained_after_seconds": drained_seconds,
    }
    if raw["holds_per_second"]:
        result["ratio_to_raw_sql"] = round(result["holds_per_second"] / raw["holds_per_second"], 3)
    return result


async def _paced_buyer(
    http: aiohttp.ClientSession,
    token: str,
    state: SaleState,
    latencies_ms: list[float],
    until: float,
) -> None:
    """A buyer with a life: hold, think, let the hold go, think again, until `until`."""
    rng = random.Random(token)
    await asyncio.sleep(rng.uniform(0.0, 1.5))
    while time.perf_counter() < until and (choice := state.pick()) is not None:
        session, seats = choice
        started = time.perf_counter()
        async with http.post(
            "/api/bookings", json={"session_id": session, "seats_id": seats}, headers=bearer(token)
        ) as response:
            body = await response.json()
        if response.status == 201:
            latencies_ms.append((time.perf_counter() - started) * 1000)
            state.free[session].difference_update(seats)
            await asyncio.sleep(rng.uniform(0.2, 0.6))
            async with http.post(f"/api/bookings/{body['id']}/cancel", headers=bearer(token)):
                state.free[session].update(seats)
        await asyncio.sleep(rng.uniform(0.5, 1.5))


async def run_paced(
    bench: BenchStack, *, clients: int, seconds: float, hall_number: int
) -> dict[str, Any]:
    """Hold latency with `clients` people at once who think between steps (not a stampede).

    In the sold-out race every buyer fires again the moment an answer comes, so latency there
    is just clients / throughput; this is the latency each of them actually waits for.
    """
    async with httpx.AsyncClient(base_url=bench.base_url, timeout=60.0) as http:
        admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
        [session] = await create_sessions(
            http, admin, count=1, rows=ROWS, seats_per_row=SEATS_PER_ROW, hall_number=hall_number
        )
        tokens = await register_users(http, clients, f"paced{hall_number}")
        state = SaleState({session: await _seat_ids(http, session)})
    latencies_ms: list[float] = []
    connector = aiohttp.TCPConnector(limit=clients + 10)
    async with aiohttp.ClientSession(bench.base_url, connector=connector) as buyers:
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(_paced_buyer(buyers, token, state, latencies_ms, until) for token in tokens)
        )
    return {
        "clients": clients,
        "seconds": seconds,
        "holds": len(latencies_ms),
        "holds_per_second": round(len(latencies_ms) / seconds, 1),
        "hold_latency_ms": percentiles(latencies_ms),
    }
