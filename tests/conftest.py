"""Shared fixtures: the real local infrastructure and the whole application stack."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from confluent_kafka.admin import AdminClient

from deploy import infra, kafka_broker
from deploy.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
TEST_PORTS = {"user_svc": 51051, "movie_svc": 51052, "cinema_svc": 51053, "booking_svc": 51054}
GATEWAY_PORT = 18000
ADMIN_EMAIL = "admin@tests.example"
ADMIN_PASSWORD = "Admin-Passw0rd!"


@dataclass
class RunningStack:
    """The four services and the gateway, started for this test session."""

    stack: Stack
    base_url: str
    env: dict[str, str]
    topic_prefix: str

    def restart(self, name: str, **overrides: str) -> None:
        """Restarts one process, optionally with changed settings, and waits for health."""
        self.stack.stop(name)
        self.stack.start(name, overrides)
        self.stack.wait_healthy(self.base_url)


@pytest.fixture(scope="session")
def endpoints() -> infra.Endpoints:
    return infra.ensure_up()


@pytest.fixture(scope="session")
def topic_prefix(endpoints: infra.Endpoints) -> Iterator[str]:
    """Topics of our own for this run, so runs and `make run` never see each other's events."""
    prefix = f"test-{uuid.uuid4().hex[:8]}."
    topics = {prefix + name: partitions for name, partitions in infra.TOPICS.items()}
    kafka_broker.ensure_topics(endpoints.kafka_bootstrap, topics)
    yield prefix
    AdminClient({"bootstrap.servers": endpoints.kafka_bootstrap}).delete_topics(list(topics))


@pytest.fixture(scope="session")
def stack_env(endpoints: infra.Endpoints, topic_prefix: str) -> dict[str, str]:
    env = {
        f"{service.upper()}_DATABASE_URL": infra.create_database(f"test_{db}", drop_first=True)
        for service, db in infra.SERVICE_DATABASES.items()
    }
    env |= {f"{name.upper()}_ADDR": f"127.0.0.1:{port}" for name, port in TEST_PORTS.items()}
    env |= {
        "GATEWAY_PORT": str(GATEWAY_PORT),
        "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "REDIS_URL": endpoints.redis_url.rsplit("/", 1)[0] + "/1",
        "JWT_SECRET": secrets.token_urlsafe(32),
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
    }
    return env


@pytest.fixture(scope="session")
def running_stack(stack_env: dict[str, str]) -> Iterator[RunningStack]:
    import redis

    redis.Redis.from_url(stack_env["REDIS_URL"]).flushdb()
    stack = Stack(stack_env, log_dir=ARTIFACTS / "logs")
    base_url = f"http://127.0.0.1:{GATEWAY_PORT}"
    stack.start_all()
    try:
        stack.wait_healthy(base_url)
        yield RunningStack(stack, base_url, stack_env, stack_env["KAFKA_TOPIC_PREFIX"])
    finally:
        stack.stop_all()


@pytest.fixture
def api(running_stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running_stack.base_url, timeout=30.0) as client:
        yield client
