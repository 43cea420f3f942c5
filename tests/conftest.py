"""Shared fixtures: the real local infrastructure and the whole application stack."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy import infra
from deploy.stack import Stack, delete_topics, isolated_env
from svckit.db import make_engine
from tests.infrastructure import running_infrastructure

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def stack_slot(env: Mapping[str, str]) -> int:
    """TEST_STACK_SLOT plus the number of this pytest-xdist worker (gw0, gw1, ...; 0 alone)."""
    worker = env.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return int(env.get("TEST_STACK_SLOT", "0")) + int(worker)


SLOT = stack_slot(os.environ)
"""Lets several test runs, and the workers of one, share one machine: each slot has its own
databases, ports, Redis database and log folder."""
LOGS = ARTIFACTS / ("logs" if SLOT == 0 else f"logs-{SLOT}")


def scratch_database(name: str) -> str:
    """The DSN of an empty database of this slot, `test<slot>_<name>` (dropped first if any)."""
    return infra.create_database(f"test{SLOT or ''}_{name}", drop_first=True)


@asynccontextmanager
async def scratch_engine(
    name: str, metadata: MetaData | None = None, *, pool_size: int
) -> AsyncIterator[AsyncEngine]:
    """An engine on `scratch_database(name)` with `metadata`'s tables made, disposed after."""
    engine = make_engine(scratch_database(name), pool_size=pool_size)
    try:
        if metadata is not None:
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
        yield engine
    finally:
        await engine.dispose()


GATEWAY_PORT = 18000 + SLOT
ADMIN_EMAIL = "admin@tests.example"
ADMIN_PASSWORD = "Admin-Passw0rd!"
PAYMENTS_WEBHOOK_SECRET = "tests-webhook-secret-0123456789abcdef012345"


@dataclass
class RunningStack:
    """The four services and the gateway, started for this test session."""

    stack: Stack
    base_url: str
    env: dict[str, str]
    changed: dict[str, dict[str, str]] = field(default_factory=dict)
    """Processes running with changed settings, and those settings."""
    _held: set[str] = field(default_factory=set)
    """Processes a `changed_for` block is using."""

    @contextmanager
    def gateway_replica(self, port: int, name: str, **settings: str) -> Iterator[httpx.Client]:
        """Another gateway in front of the same services and Redis on `port`, with `settings`
        changed; its logs go to test-artifacts/logs/<name>."""
        env = self.env | {"GATEWAY_PORT": str(port), "GATEWAY_METRICS_PORT": "0", **settings}
        replica = Stack(env, log_dir=LOGS / name)
        url = f"http://127.0.0.1:{port}"
        replica.start("gateway")
        try:
            replica.wait_healthy(url)
            limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
            with httpx.Client(base_url=url, timeout=30.0, limits=limits) as client:
                yield client
        finally:
            replica.stop_all()

    @property
    def topic_prefix(self) -> str:
        return self.env["KAFKA_TOPIC_PREFIX"]

    def restart(self, *names: str, **overrides: str) -> None:
        """Restarts these processes together, optionally with changed settings, and waits for
        health once."""
        self.stack.stop(*names)
        for name in names:
            self.stack.start(name, overrides)
            if overrides:
                self.changed[name] = dict(overrides)
            else:
                self.changed.pop(name, None)
        self.stack.wait_healthy(self.base_url)

    @contextmanager
    def changed_for(self, *names: str, **overrides: str) -> Iterator[RunningStack]:
        """These processes run with `overrides` for the block (restarted only if they do not
        already). They get their defaults back when a test next needs them so (`settle`), not
        at the block's end: a next block that changes them too saves a restart."""
        if stale := [name for name in names if self.changed.get(name) != overrides]:
            self.restart(*stale, **overrides)
        self._held.update(names)
        try:
            yield self
        finally:
            self._held.difference_update(names)

    def settle(self) -> None:
        """Restarts the changed processes no block is using with their defaults, together."""
        if back := sorted(self.changed.keys() - self._held):
            self.restart(*back)


@pytest.fixture(scope="session")
def endpoints() -> Iterator[infra.Endpoints]:
    """PostgreSQL, Kafka and Redis: in containers or from the local launcher."""
    with running_infrastructure() as running:
        yield running


IN_FLIGHT_CLASSES = ("BOOKINGS", "SEAT_MAPS", "CATALOGUE", "AUTH", "OTHER")


@pytest.fixture(scope="session")
def stack_env(endpoints: infra.Endpoints) -> Iterator[dict[str, str]]:
    env = isolated_env(
        endpoints, name=f"test{SLOT or ''}", port_base=21051 + 10 * SLOT, gateway_port=GATEWAY_PORT
    )
    env |= {
        "REDIS_URL": endpoints.redis_url.rsplit("/", 1)[0] + f"/{5 + SLOT}",
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "HOLD_RATE_LIMIT_PER_MINUTE": "100000",
        "LOGIN_FAILURES_PER_ACCOUNT": "100000",
        "BCRYPT_ROUNDS": "4",
        # tests pick seats freely; the seat-rule tests restart booking_svc with the rule on
        "BOOKING_NO_ORPHAN_SEATS": "false",
        # the races send 50 to 100 holds at once, and a busy test machine may queue a request
        # past the gateway's queue limit: shedding has tests of its own (test_admission.py,
        # tests/e2e/test_overload.py), the rest test what happens when a request is answered
        **{f"GATEWAY_MAX_IN_FLIGHT_{kind}": "0" for kind in IN_FLIGHT_CLASSES},
        "GATEWAY_MAX_QUEUE_MS": "0",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }
    yield env
    delete_topics(env)


@pytest.fixture(scope="session")
def running_stack(stack_env: dict[str, str]) -> Iterator[RunningStack]:
    redis.Redis.from_url(stack_env["REDIS_URL"]).flushdb()
    stack = Stack(stack_env, log_dir=LOGS)
    base_url = f"http://127.0.0.1:{GATEWAY_PORT}"
    stack.start_all()
    try:
        stack.wait_healthy(base_url)
        yield RunningStack(stack, base_url, stack_env)
    finally:
        stack.stop_all()


def demo_payment_settings(stack: RunningStack) -> dict[str, str]:
    """What booking_svc and the gateway run with to take payments through the demo provider."""
    return {
        "PAYMENTS_PROVIDER": "demo",
        "PAYMENTS_WEBHOOK_SECRET": PAYMENTS_WEBHOOK_SECRET,
        "PUBLIC_BASE_URL": stack.base_url,
        "PAYMENTS_DEMO_RETRY_SECONDS": "0.5",
    }


@pytest.fixture(scope="module")
def demo_payments(running_stack: RunningStack) -> Iterator[RunningStack]:
    """The stack with the demo payment provider for one test module (booking_svc and the
    gateway restarted with it); other tests keep `none`."""
    settings = demo_payment_settings(running_stack)
    with running_stack.changed_for("booking_svc", "gateway", **settings):
        yield running_stack


@pytest.fixture(autouse=True)
def stack_at_its_defaults(request: pytest.FixtureRequest) -> None:
    """A test of the stack starts with every process at its defaults but those its blocks
    change (`RunningStack.changed_for`)."""
    if "running_stack" in request.fixturenames:
        request.getfixturevalue("running_stack").settle()


@pytest.fixture
def api(running_stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_stack.base_url, timeout=30.0) as client:
        yield client
