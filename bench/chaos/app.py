"""The application under test: the four services and the gateway on the private infrastructure,
supervised like `make run` does (a process that dies is started again)."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis

from bench.chaos.history import ProcessExit, Recorder
from deploy.infra import Endpoints
from deploy.stack import Stack, delete_topics, isolated_env

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / "test-artifacts" / "chaos-logs"
GATEWAY_PORT = 24000
PORT_BASE = 24051
ADMIN_EMAIL = "admin@chaos.example"
ADMIN_PASSWORD = "Chaos-Admin-Passw0rd"
HOLD_SECONDS = 20
"""Short holds, so the expirer works throughout the run."""
RESTART_DELAY_SECONDS = 2.0
"""As `make run`: how long a dead process stays down before it is started again."""
SUPERVISE_INTERVAL_SECONDS = 0.25
HEALTH_TIMEOUT_SECONDS = 2.0


@dataclass
class ChaosApp:
    endpoints: Endpoints
    env: dict[str, str]
    stack: Stack
    _killed: set[str] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{GATEWAY_PORT}"

    @property
    def booking_dsn(self) -> str:
        return self.env["BOOKING_DATABASE_URL"]

    @property
    def topic_prefix(self) -> str:
        return self.env["KAFKA_TOPIC_PREFIX"]

    def kill(self, name: str) -> None:
        """kill -9 of one process; the supervisor starts it again."""
        self._killed.add(name)
        process = self.stack.processes[name]
        process.kill()
        process.wait()

    async def supervise(self, recorder: Recorder) -> None:
        """Starts again every process that ended (after a short delay), noting each exit.

        Runs in the event loop's (main) thread: a child dies with the thread that started it.
        """
        while True:
            await asyncio.sleep(SUPERVISE_INTERVAL_SECONDS)
            for name, code in self.stack.exited().items():
                self.stack.processes.pop(name)
                exit_ = ProcessExit(recorder.now(), name, code, name in self._killed)
                recorder.history.exits.append(exit_)
                self._killed.discard(name)
                await asyncio.sleep(RESTART_DELAY_SECONDS)
                self.stack.start(name)

    async def healthy(self, http: httpx.AsyncClient) -> bool:
        try:
            response = await http.get("/healthz", timeout=HEALTH_TIMEOUT_SECONDS)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def close(self) -> None:
        self.stack.stop_all()
        delete_topics(self.env)


def start_app(endpoints: Endpoints) -> ChaosApp:
    """Fresh databases and topics, the processes started (not yet healthy)."""
    env = isolated_env(endpoints, name="chaos", port_base=PORT_BASE, gateway_port=GATEWAY_PORT)
    env |= {
        "REDIS_URL": endpoints.redis_url,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "AUTH_RATE_LIMIT_PER_MINUTE": "1000000",
        "HOLD_RATE_LIMIT_PER_MINUTE": "1000000",
        "BCRYPT_ROUNDS": "4",
        "BOOKING_HOLD_SECONDS": str(HOLD_SECONDS),
        "LOG_LEVEL": "WARNING",
    }
    with redis.Redis.from_url(endpoints.redis_url) as cache:
        cache.flushdb()
    shutil.rmtree(LOG_DIR, ignore_errors=True)
    stack = Stack(env, log_dir=LOG_DIR)
    stack.start_all()
    return ChaosApp(endpoints, env, stack)
