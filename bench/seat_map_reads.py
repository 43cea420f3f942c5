"""Seat-map reads in a presale: many people opening one 500-seat session's map while others
hold and let go of seats in it.

Readers are vegeta workers (bench/loadgen.py), each asking again the moment an answer comes;
the holds come from a few Python buyers, so the map keeps changing underneath the readers.
A last run sends `If-None-Match` with the map's ETag while the map stands still, as a page
that already has the map does when it asks again.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

import aiohttp
import httpx

from bench.harness import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    BenchStack,
    bearer,
    create_sessions,
    login,
    register_users,
)
from bench.loadgen import Target, attack

ROWS, SEATS_PER_ROW = 20, 25
HOLDERS = 5
SECONDS = 15.0


async def _holder(
    http: aiohttp.ClientSession, token: str, session: int, seats: list[int], holds: list[int]
) -> None:
    """Holds one or two random seats, lets them go after a moment, again and again."""
    rng = random.Random(token)
    while True:
        chosen = rng.sample(seats, rng.randint(1, 2))
        async with http.post(
            "/api/bookings", json={"session_id": session, "seats_id": chosen}, headers=bearer(token)
        ) as response:
            body = await response.json()
        if response.status == 201:
            holds.append(len(chosen))
            await asyncio.sleep(0.3)
            async with http.post(f"/api/bookings/{body['id']}/cancel", headers=bearer(token)):
                pass
        await asyncio.sleep(0.3)


async def run(
    bench: BenchStack,
    *,
    readers: tuple[int, ...] = (50, 500),
    seconds: float = SECONDS,
    hall_number: int = 905,
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=bench.base_url, timeout=60.0) as http:
        admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
        (session,) = await create_sessions(
            http, admin, count=1, rows=ROWS, seats_per_row=SEATS_PER_ROW, hall_number=hall_number
        )
        tokens = await register_users(http, HOLDERS, f"reads{hall_number}")
        seat_map = await http.get(f"/api/sessions/{session}/seats")
        seats = [seat["seat_id"] for seat in seat_map.json()]
    url = f"{bench.base_url}/api/sessions/{session}/seats"
    results: dict[str, Any] = {"seats": len(seats), "seconds_per_run": seconds}
    holds: list[int] = []
    async with aiohttp.ClientSession(bench.base_url) as buyers:
        holders = [
            asyncio.create_task(_holder(buyers, token, session, seats, holds)) for token in tokens
        ]
        try:
            for count in readers:
                load = await attack([Target("GET", url)], workers=count, seconds=seconds)
                results[f"readers_{count}"] = {
                    **load.figures(),
                    "status_counts": {str(c): n for c, n in sorted(load.statuses().items())},
                    "socket_errors": load.socket_errors(),
                }
        finally:
            for holder in holders:
                holder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*holders, return_exceptions=True)
    results["holds_during_reads"] = len(holds)
    async with httpx.AsyncClient(timeout=60.0) as http:
        etag = (await http.get(url)).headers.get("etag", "")
    conditional = Target("GET", url, {"If-None-Match": etag} if etag else {})
    count = max(readers)
    load = await attack([conditional], workers=count, seconds=seconds)
    results[f"readers_{count}_if_none_match"] = {
        **load.figures(),
        "etag": etag,
        "status_counts": {str(c): n for c, n in sorted(load.statuses().items())},
        "socket_errors": load.socket_errors(),
    }
    return results
