"""The faults, injected one after another into the private infrastructure and the stack.

Each fault's window runs from its injection until the system is healthy again, plus a grace
for requests still in flight; the checker allows 503 answers only inside a window.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from bench.chaos.app import ChaosApp
from bench.chaos.history import FaultWindow, Recorder
from bench.chaos.private_infra import assert_private
from deploy import kafka_broker, postgres, redis_server
from deploy._proc import kill_process
from deploy.stack import PROCESSES

RECOVERY_LIMIT_SECONDS = 120.0
RECOVERY_POLL_SECONDS = 0.25
GRACE_SECONDS = 2.0
REDIS_DOWN_SECONDS = 10.0
KAFKA_DOWN_SECONDS = 2.0


@dataclass(frozen=True)
class Fault:
    name: str
    inject: Callable[[ChaosApp], Awaitable[None]]


def kill_process_of(name: str) -> Fault:
    async def inject(app: ChaosApp) -> None:
        app.kill(name)

    return Fault(f"kill -9 {name}", inject)


def pause_kafka(seconds: float) -> Fault:
    """SIGSTOP of the broker, SIGCONT after `seconds`: a broker that hangs, then comes back."""

    async def inject(app: ChaosApp) -> None:
        pid = _pid(kafka_broker.broker_pid())
        os.kill(pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(seconds)
        finally:
            os.kill(pid, signal.SIGCONT)

    return Fault(f"kafka stopped {seconds:.0f}s", inject)


async def _kill_kafka(app: ChaosApp) -> None:
    kill_process(_pid(kafka_broker.broker_pid()))
    await asyncio.sleep(KAFKA_DOWN_SECONDS)
    await asyncio.to_thread(kafka_broker.ensure)


async def _restart_postgres(app: ChaosApp) -> None:
    assert_private()
    await asyncio.to_thread(postgres.restart_fast)


async def _kill_redis(app: ChaosApp) -> None:
    kill_process(_pid(redis_server.server_pid()))
    await asyncio.sleep(REDIS_DOWN_SECONDS)
    await asyncio.to_thread(redis_server.ensure)


def _pid(pid: int | None) -> int:
    """The pid of a private server; refuses when it is not running or not private."""
    assert_private()
    if pid is None:
        raise RuntimeError("the private server to fault is not running")
    return pid


KILL_KAFKA = Fault("kafka killed and restarted", _kill_kafka)
RESTART_POSTGRES = Fault("postgres fast restart", _restart_postgres)
KILL_REDIS = Fault(f"redis killed, back after {REDIS_DOWN_SECONDS:.0f}s", _kill_redis)

FULL = (
    *(kill_process_of(name) for name in PROCESSES),
    pause_kafka(30),
    KILL_KAFKA,
    RESTART_POSTGRES,
    KILL_REDIS,
)
SHORT = (
    kill_process_of("booking_svc"),
    kill_process_of("gateway"),
    pause_kafka(10),
    RESTART_POSTGRES,
    KILL_REDIS,
)


async def recovered(app: ChaosApp, http: httpx.AsyncClient) -> bool:
    """The gateway answers healthy (every service SERVING) and every server answers."""
    if not await app.healthy(http):
        return False
    checks = (postgres.ready, kafka_broker.answers, redis_server.answers)
    return all(await asyncio.gather(*(asyncio.to_thread(check) for check in checks)))


async def inject_all(
    faults: tuple[Fault, ...], app: ChaosApp, recorder: Recorder, settle_seconds: float
) -> None:
    """Each fault after a calm spell; records its window once the system is back."""
    async with httpx.AsyncClient(base_url=app.base_url) as http:
        for fault in faults:
            await asyncio.sleep(settle_seconds)
            print(f"chaos | {recorder.now():6.1f}s  {fault.name}", flush=True)
            started = recorder.now()
            await fault.inject(app)
            back: float | None = None
            while recorder.now() - started < RECOVERY_LIMIT_SECONDS:
                if await recovered(app, http):
                    back = recorder.now()
                    break
                await asyncio.sleep(RECOVERY_POLL_SECONDS)
            ended = (back if back is not None else recorder.now()) + GRACE_SECONDS
            recorder.history.windows.append(
                FaultWindow(fault.name, started, ended, None if back is None else back - started)
            )
