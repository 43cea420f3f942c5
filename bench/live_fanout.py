"""Live fan-out: 1,000 WebSocket watchers of one session; how soon does each hold reach them?

Holds are made one after another through the gateway; for each, the time its 201 arrived is
compared with the time every watcher received the change with its seat (watchers and the
hold client share this process and its clock; the 201 is timed in the thread that made the
request, the arrivals in the loop that reads the watchers). The next hold starts once every
watcher has the previous one, so the figures are delivery latency, not a backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.harness import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    BenchStack,
    bearer,
    create_sessions,
    login,
    percentiles,
    register_users,
)
from svckit.vocabulary import Topic

HALL_NUMBER = 904
ROWS, SEATS_PER_ROW = 10, 20
CONNECT_CONCURRENCY = 100
DELIVERY_DEADLINE_SECONDS = 10.0
TARGET_P99_MS = 250.0


@dataclass
class Deliveries:
    """When each watcher received the change of each hold, keyed by the hold's seat ids."""

    watchers: int
    arrivals: dict[tuple[int, ...], dict[int, float]] = field(default_factory=dict)
    complete: dict[tuple[int, ...], asyncio.Event] = field(default_factory=dict)

    def expect(self, seats: tuple[int, ...]) -> asyncio.Event:
        self.arrivals.setdefault(seats, {})
        return self.complete.setdefault(seats, asyncio.Event())

    def record(self, watcher: int, seats: tuple[int, ...], at: float) -> None:
        seen = self.arrivals.setdefault(seats, {})
        seen.setdefault(watcher, at)
        if len(seen) == self.watchers:
            self.expect(seats).set()


def raise_open_file_limit(needed: int) -> None:
    """Lets this process hold `needed` sockets (the gateway inherited its limit at start)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


async def _watch(ws: ClientConnection, index: int, deliveries: Deliveries) -> None:
    async for raw in ws:
        at = time.perf_counter()
        message = json.loads(raw)
        if message["type"] == "change" and message["event"] == Topic.BOOKING_CREATED:
            deliveries.record(index, tuple(message["seat_ids"]), at)


async def _open(url: str, count: int) -> list[ClientConnection]:
    """Opens `count` watchers; each has had its snapshot when this returns."""
    semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one() -> ClientConnection:
        async with semaphore:
            ws = await connect(url, max_queue=None, open_timeout=30)
            snapshot = json.loads(await ws.recv())
            assert snapshot["type"] == "snapshot", snapshot
            return ws

    return list(await asyncio.gather(*(one() for _ in range(count))))


def _hold(http: httpx.Client, token: str, session: int, seats: tuple[int, ...]) -> float:
    """Holds the seats; returns when the 201 arrived (taken in this thread, not the busy loop)."""
    response = http.post(
        "/api/bookings",
        json={"session_id": session, "seats_id": list(seats)},
        headers=bearer(token),
    )
    arrived = time.perf_counter()
    response.raise_for_status()
    return arrived


async def run(
    bench: BenchStack, *, watchers: int = 1000, holds: int = 50, hall_number: int = HALL_NUMBER
) -> dict[str, Any]:
    raise_open_file_limit(2 * watchers + 256)
    async with httpx.AsyncClient(base_url=bench.base_url, timeout=60.0) as http:
        admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
        (session,) = await create_sessions(
            http, admin, count=1, rows=ROWS, seats_per_row=SEATS_PER_ROW, hall_number=hall_number
        )
        (token,) = await register_users(http, 1, f"live{hall_number}")
        seats = [
            seat["seat_id"] for seat in (await http.get(f"/api/sessions/{session}/seats")).json()
        ]
    url = bench.base_url.replace("http://", "ws://", 1) + f"/api/sessions/{session}/live"

    opened = time.perf_counter()
    connections = await _open(url, watchers)
    connect_seconds = time.perf_counter() - opened
    deliveries = Deliveries(watchers)
    readers = [asyncio.create_task(_watch(ws, i, deliveries)) for i, ws in enumerate(connections)]
    created_at: dict[tuple[int, ...], float] = {}
    try:
        with httpx.Client(base_url=bench.base_url, timeout=60.0) as holder:
            for seat in seats[: holds + 1]:
                key = (seat,)
                everyone = deliveries.expect(key)
                created_at[key] = await asyncio.to_thread(_hold, holder, token, session, key)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(everyone.wait(), DELIVERY_DEADLINE_SECONDS)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True)
    return _figures(watchers, connect_seconds, created_at, deliveries)


def _figures(
    watchers: int,
    connect_seconds: float,
    created_at: dict[tuple[int, ...], float],
    deliveries: Deliveries,
) -> dict[str, Any]:
    """The first hold warms the path up (a fresh stack's first event is slow) and is reported
    on its own; the figures are over the others."""
    (warmup, *measured) = created_at.items()
    latencies = [
        (at - created) * 1000
        for key, created in measured
        for at in deliveries.arrivals[key].values()
    ]
    latency = percentiles(latencies)
    missed = watchers * len(measured) - len(latencies)
    spread = [
        (min(seen.values()) - created, max(seen.values()) - created)
        for key, created in measured
        if (seen := deliveries.arrivals[key])
    ]
    warm_key, warm_created = warmup
    warm_seen = deliveries.arrivals[warm_key].values()
    return {
        "watchers": watchers,
        "holds": len(measured),
        "connect_seconds": round(connect_seconds, 2),
        "warmup_hold_last_watcher_ms": round(
            (max(warm_seen, default=0.0) - warm_created) * 1000, 1
        ),
        "delivery_latency_ms": latency,
        "first_watcher_ms": percentiles([first * 1000 for first, _ in spread]),
        "last_watcher_ms": percentiles([last * 1000 for _, last in spread]),
        "deliveries": len(latencies),
        "missed": missed,
        "target_p99_ms": TARGET_P99_MS,
        "target_met": latency["p99"] <= TARGET_P99_MS and missed == 0,
    }
