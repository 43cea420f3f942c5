"""One chaos run: private infrastructure, the stack, the catalogue, the load with its faults,
then the evidence the checker needs."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from bench.chaos import evidence, faults
from bench.chaos.app import ADMIN_EMAIL, ADMIN_PASSWORD, HOLD_SECONDS, ChaosApp, start_app
from bench.chaos.catalogue import load_catalogue, login, register_shoppers
from bench.chaos.evidence import Evidence
from bench.chaos.faults import Fault, inject_all
from bench.chaos.history import History, Recorder, SeatMapView, WatcherLog
from bench.chaos.load import Shopper
from bench.chaos.private_infra import private_infrastructure
from bench.chaos.watch import watch

REQUEST_TIMEOUT_SECONDS = 15.0
START_TIMEOUT_SECONDS = 180.0
EXPIRY_MARGIN_SECONDS = 8.0
"""Waited beyond the hold period once the load stops, so the expirer can end the last holds."""
DRAIN_LIMIT_SECONDS = 60.0
CONVERGE_LIMIT_SECONDS = 30.0
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Plan:
    faults: tuple[Fault, ...]
    shoppers: int
    sessions: int
    """How many sessions the load shops in (and the watchers follow)."""
    settle_seconds: float
    """Calm load before each fault."""
    tail_seconds: float
    """Load after the last fault."""
    seed: int = 11


SHORT = Plan(faults.SHORT, shoppers=6, sessions=3, settle_seconds=4.0, tail_seconds=5.0)
FULL = Plan(faults.FULL, shoppers=10, sessions=6, settle_seconds=8.0, tail_seconds=10.0)


def say(message: str, recorder: Recorder | None = None) -> None:
    at = f"{recorder.now():6.1f}s  " if recorder is not None else ""
    print(f"chaos | {at}{message}", flush=True)


async def run(plan: Plan) -> tuple[History, Evidence]:
    started = time.monotonic()
    say("starting the private PostgreSQL, Kafka and Redis")
    with private_infrastructure() as endpoints:
        say(f"infrastructure up in {time.monotonic() - started:.0f}s; starting the stack")
        app = start_app(endpoints)
        try:
            app.stack.wait_healthy(app.base_url, timeout=START_TIMEOUT_SECONDS)
            say(f"stack healthy after {time.monotonic() - started:.0f}s")
            async with httpx.AsyncClient(
                base_url=app.base_url, timeout=REQUEST_TIMEOUT_SECONDS
            ) as http:
                return await _load_and_check(plan, app, http)
        finally:
            app.close()


async def _load_and_check(
    plan: Plan, app: ChaosApp, http: httpx.AsyncClient
) -> tuple[History, Evidence]:
    admin = await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
    halls = await load_catalogue(http, admin)
    sessions = [s for s in itertools.chain(*itertools.zip_longest(*halls)) if s is not None]
    sessions = sessions[: plan.sessions]
    tokens = await register_shoppers(http, plan.shoppers)
    recorder = Recorder()
    history = recorder.history
    say(f"catalogue loaded; {plan.shoppers} shoppers in sessions {sessions}", recorder)
    rng = random.Random(plan.seed)
    shoppers = [
        Shopper(f"shopper-{i}", token, sessions, recorder, random.Random(rng.random()))
        for i, token in enumerate(tokens)
    ]
    history.watchers = {session: WatcherLog(session) for session in sessions}
    supervisor = asyncio.create_task(app.supervise(recorder))
    watchers = [asyncio.create_task(watch(app.base_url, log)) for log in history.watchers.values()]
    load = [asyncio.create_task(shopper.run(http)) for shopper in shoppers]
    try:
        await inject_all(plan.faults, app, recorder, plan.settle_seconds)
        await asyncio.sleep(plan.tail_seconds)
        await _cancel(load)
        say(
            f"load stopped; waiting {HOLD_SECONDS + EXPIRY_MARGIN_SECONDS:.0f}s for the expirer",
            recorder,
        )
        await asyncio.sleep(HOLD_SECONDS + EXPIRY_MARGIN_SECONDS)
        await _until(lambda: _drained(app), DRAIN_LIMIT_SECONDS)
        await _until(lambda: _converged(http, history), CONVERGE_LIMIT_SECONDS)
        rest_maps = {s: await evidence.read_seat_map(http, s) for s in sessions}
        await _cancel(watchers)
        say("reading the booking database and the Kafka topics", recorder)
        return history, await _gather_evidence(app, rest_maps)
    finally:
        await _cancel([*load, *watchers, supervisor])


async def _gather_evidence(app: ChaosApp, rest_maps: dict[int, SeatMapView]) -> Evidence:
    bookings, db_now = await asyncio.to_thread(evidence.read_bookings, app.booking_dsn)
    outbox, unpublished = await asyncio.to_thread(
        evidence.read_outbox, app.booking_dsn, app.topic_prefix
    )
    kafka = await asyncio.to_thread(
        evidence.read_topics, app.endpoints.kafka_bootstrap, app.topic_prefix
    )
    return Evidence(bookings, outbox, unpublished, kafka, rest_maps, db_now)


async def _drained(app: ChaosApp) -> bool:
    return await asyncio.to_thread(evidence.unpublished_count, app.booking_dsn) == 0


async def _converged(http: httpx.AsyncClient, history: History) -> bool:
    """Whether every watcher has the version the REST seat map has."""
    for session, log in history.watchers.items():
        rest = await evidence.read_seat_map(http, session)
        if log.view is None or log.view.version != rest.version:
            return False
    return True


async def _until(condition: Callable[[], Awaitable[bool]], limit: float) -> None:
    """Polls `condition` until it holds or `limit` seconds pass (the checks then report)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if await condition():
                return
        await asyncio.sleep(POLL_SECONDS)


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
