"""Overload: 2,000 clients at once for 30 s, reading seat maps and holding seats in 20 sessions,
against a gateway with its own admission defaults (the bench stack lifts them).

That is many times what two cores serve. What must hold: no socket fails, the only 5xx is a
quick 503 (shed), and the requests the gateway admits are answered within 500 ms (p99).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import httpx

from bench.flash_sale import double_bookings
from bench.harness import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    BenchStack,
    admission_defaults,
    bearer,
    create_sessions,
    gateway_with,
    login,
    register_users,
)
from bench.loadgen import Load, Target, attack

SESSIONS = 20
ROWS, SEATS_PER_ROW = 20, 25
BUYERS = 200
HOLD_TARGETS = 6000
READS_PER_HOLD = 3
TARGET_ADMITTED_P99_MS = 500.0
SHED = 503


async def run(
    bench: BenchStack, *, clients: int = 2000, seconds: float = 30.0, hall_number: int = 906
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=bench.base_url, timeout=60.0) as http:
        admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
        sessions = await create_sessions(
            http,
            admin,
            count=SESSIONS,
            rows=ROWS,
            seats_per_row=SEATS_PER_ROW,
            hall_number=hall_number,
        )
        tokens = await register_users(http, BUYERS, f"overload{hall_number}")
        seats = {session: await _seat_ids(http, session) for session in sessions}
    targets = _targets(bench.base_url, tokens, seats)
    async with gateway_with(bench, admission_defaults()):
        load = await attack(targets, workers=clients, seconds=seconds)
    return _figures(load, clients, double_bookings(bench.booking_dsn))


async def _seat_ids(http: httpx.AsyncClient, session: int) -> list[int]:
    response = await http.get(f"/api/sessions/{session}/seats")
    response.raise_for_status()
    return [seat["seat_id"] for seat in response.json()]


def _targets(base_url: str, tokens: list[str], seats: dict[int, list[int]]) -> list[Target]:
    """Holds of one or two random seats by random buyers, each between three seat-map reads."""
    rng = random.Random(12)
    sessions = list(seats)
    targets = []
    for _ in range(HOLD_TARGETS):
        session = rng.choice(sessions)
        body = {"session_id": session, "seats_id": rng.sample(seats[session], rng.randint(1, 2))}
        headers = bearer(rng.choice(tokens)) | {"Content-Type": "application/json"}
        targets.append(
            Target("POST", f"{base_url}/api/bookings", headers, json.dumps(body).encode())
        )
        targets.extend(
            Target("GET", f"{base_url}/api/sessions/{rng.choice(sessions)}/seats")
            for _ in range(READS_PER_HOLD)
        )
    return targets


def _error_kinds(load: Load) -> dict[str, int]:
    """How the requests without an answer failed, by the end of vegeta's message."""
    kinds = Counter(a.error.rsplit(": ", 1)[-1] for a in load.answers if a.code == 0)
    return dict(kinds.most_common(5))


def _figures(load: Load, clients: int, doubles: int) -> dict[str, Any]:
    statuses = load.statuses()
    admitted = [code for code in statuses if code not in (0, SHED)]
    server_errors = sum(n for code, n in statuses.items() if code >= 500 and code != SHED)
    admitted_figures = load.figures(admitted)
    holds = [a for a in load.answers if a.target.startswith("POST")]
    reads = [a for a in load.answers if a.target.startswith("GET")]
    held = sum(1 for a in holds if a.code == 201)
    return {
        "clients": clients,
        "seconds": load.seconds,
        "requests": len(load.answers),
        "status_counts": {str(code): n for code, n in sorted(statuses.items())},
        "socket_errors": load.socket_errors(),
        "socket_error_kinds": _error_kinds(load),
        "server_errors_other_than_503": server_errors,
        "admitted": admitted_figures,
        "admitted_holds": Load(load.seconds, holds).figures(admitted),
        "admitted_seat_maps": Load(load.seconds, reads).figures(admitted),
        "shed": load.figures([SHED]),
        "holds_201": held,
        "holds_per_second": round(held / load.seconds, 1),
        "double_bookings": doubles,
        "target_admitted_p99_ms": TARGET_ADMITTED_P99_MS,
        "target_met": (
            load.socket_errors() == 0
            and server_errors == 0
            and admitted_figures["latency_ms"]["p99"] <= TARGET_ADMITTED_P99_MS
        ),
    }
