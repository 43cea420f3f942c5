"""A stack of its own for a benchmark: fresh databases, own ports and topics, an admin client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from deploy import infra
from deploy.stack import Stack, delete_topics, isolated_env
from gateway.settings import GatewaySettings

ROOT = Path(__file__).resolve().parent.parent
GATEWAY_PORT = 18100
ADMIN_EMAIL = "admin@bench.example"
ADMIN_PASSWORD = "Bench-Admin-Passw0rd"
USER_PASSWORD = "Bench-User-Passw0rd"
SHED_TRIES = 100


NO_ADMISSION_LIMITS = {
    **{
        f"GATEWAY_MAX_IN_FLIGHT_{kind}": "0"
        for kind in ("BOOKINGS", "SEAT_MAPS", "CATALOGUE", "AUTH", "OTHER")
    },
    "GATEWAY_MAX_QUEUE_MS": "0",
}


@dataclass
class BenchStack:
    base_url: str
    env: dict[str, str]
    stack: Stack

    @property
    def booking_dsn(self) -> str:
        return self.env["BOOKING_DATABASE_URL"]


@asynccontextmanager
async def bench_stack(**overrides: str) -> AsyncIterator[BenchStack]:
    """Starts the whole application on fresh databases; logs go to test-artifacts/bench-logs."""
    endpoints = infra.ensure_up()
    env = isolated_env(endpoints, name="bench", port_base=23051, gateway_port=GATEWAY_PORT)
    env |= {
        "REDIS_URL": endpoints.redis_url.rsplit("/", 1)[0] + "/2",
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
        "HOLD_RATE_LIMIT_PER_MINUTE": "1000000",
        "BOOKING_MAX_SEATS_PER_USER": "1000000",
        # buyers pick seats at random until a session is sold out, which the orphan rule
        # would refuse for good (its lock's cost is not what these benchmarks measure)
        "BOOKING_NO_ORPHAN_SEATS": "false",
        "LIVE_MAX_CONNECTIONS_PER_CLIENT": "1000000",
        # what the gateway can serve, not how it sheds (the overload benchmark puts the
        # shedding back: `admission_defaults`)
        **NO_ADMISSION_LIMITS,
        "BCRYPT_ROUNDS": "4",
        "LOG_LEVEL": "WARNING",
        **overrides,
    }
    stack = Stack(env, log_dir=ROOT / "test-artifacts" / "bench-logs")
    base_url = f"http://127.0.0.1:{GATEWAY_PORT}"
    stack.start_all()
    try:
        await asyncio.to_thread(stack.wait_healthy, base_url)
        yield BenchStack(base_url, env, stack)
    finally:
        stack.stop_all()
        delete_topics(env)


def admission_defaults() -> dict[str, str]:
    """The gateway's own admission settings (in-flight and queue limits), as `make run` has."""
    fields = GatewaySettings.model_fields
    return {name: str(fields[name.lower()].default) for name in NO_ADMISSION_LIMITS}


@asynccontextmanager
async def gateway_with(bench: BenchStack, overrides: dict[str, str]) -> AsyncIterator[None]:
    """The bench stack's gateway restarted with `overrides` for the block, then as it was."""
    await _restart_gateway(bench, overrides)
    try:
        yield
    finally:
        await _restart_gateway(bench, {})


async def _restart_gateway(bench: BenchStack, overrides: dict[str, str]) -> None:
    bench.stack.stop("gateway")
    bench.stack.start("gateway", overrides)
    await asyncio.to_thread(bench.stack.wait_healthy, bench.base_url)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client: httpx.AsyncClient, email: str, password: str) -> str:
    response = await posted(client, "/api/auth/login", {"email": email, "password": password})
    return str(response.json()["access_token"])


async def posted(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    """POSTs `body`, coming back after Retry-After while the gateway sheds it (503)."""
    for _ in range(SHED_TRIES):
        response = await client.post(path, json=body)
        if response.status_code != 503:
            break
        await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
    response.raise_for_status()
    return response


async def register_users(client: httpx.AsyncClient, count: int, tag: str) -> list[str]:
    """Registers `count` users and returns an access token for each."""

    async def one(index: int) -> str:
        email = f"{tag}-{index}@bench.example"
        body = {"email": email, "password": USER_PASSWORD, "name": f"Bench {index}"}
        await posted(client, "/api/auth/register", body)
        return await login(client, email, USER_PASSWORD)

    semaphore = asyncio.Semaphore(20)

    async def limited(index: int) -> str:
        async with semaphore:
            return await one(index)

    return list(await asyncio.gather(*(limited(i) for i in range(count))))


async def create_sessions(
    client: httpx.AsyncClient,
    admin: str,
    *,
    count: int,
    rows: int,
    seats_per_row: int,
    hall_number: int,
) -> list[int]:
    """One hall of rows x seats_per_row and `count` back-to-back future sessions in it."""
    headers = bearer(admin)
    movie = await client.post(
        "/api/movies",
        headers=headers,
        json={
            "title": "Benchmark Premiere",
            "description": "A film everyone wants to see on opening night.",
            "year": 2026,
            "duration": 120,
            "age_rating": "PG-13",
            "movie_status": "now_showing",
            "genres_id": [],
        },
    )
    movie.raise_for_status()
    hall = await client.post(
        "/api/halls",
        headers=headers,
        json={
            "number": hall_number,
            "name": f"Bench {hall_number}",
            "rows": rows,
            "seats_per_row": seats_per_row,
        },
    )
    hall.raise_for_status()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    sessions = []
    for index in range(count):
        begins = start + timedelta(hours=3 * index)
        response = await client.post(
            "/api/sessions",
            headers=headers,
            json={
                "movie_id": movie.json()["id"],
                "hall_id": hall.json()["id"],
                "start_time": begins.isoformat(),
                "end_time": (begins + timedelta(hours=2)).isoformat(),
            },
        )
        response.raise_for_status()
        sessions.append(int(response.json()["id"]))
    return sessions


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    if not samples_ms:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(samples_ms)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2)}


async def quiet(bench: BenchStack, limit_seconds: float = 300.0) -> float:
    """Waits until every booking event is on Kafka and every consumer has read all of them
    (each service's `kafka_consumer_lag` is 0); returns how long that took.

    Each benchmark then starts from a quiet system instead of queueing behind the last one:
    after a big sale, user_svc is still planning reminders for a minute or more.
    """
    started = time.perf_counter()
    ports = [port for name, port in bench.env.items() if name.endswith("_METRICS_PORT")]
    metrics = [f"http://127.0.0.1:{port}/metrics" for port in ports]
    async with (
        await psycopg.AsyncConnection.connect(bench.booking_dsn, autocommit=True) as conn,
        httpx.AsyncClient(timeout=5.0) as http,
    ):
        while time.perf_counter() - started < limit_seconds:
            cursor = await conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            row = await cursor.fetchone()
            unpublished = row[0] if row else 0
            lags = [await _consumer_lag(http, url) for url in metrics]
            if unpublished == 0 and not any(lags):
                break
            await asyncio.sleep(0.5)
    return round(time.perf_counter() - started, 2)


async def _consumer_lag(http: httpx.AsyncClient, url: str) -> float:
    """The records a service's consumers have yet to read, from its /metrics."""
    response = await http.get(url)
    response.raise_for_status()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in response.text.splitlines()
        if line.startswith("kafka_consumer_lag{")
    )
