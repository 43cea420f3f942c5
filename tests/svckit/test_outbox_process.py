"""The outbox relay in a process of its own, against the real PostgreSQL and Kafka: events go
out, its reports reach the parent's metrics, it is started again when it dies, stopped with
its task, and it dies with its parent."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy import infra
from deploy.kafka_broker import ensure_topics
from deploy.stack import ROOT
from svckit.db import make_engine, make_sessionmaker, service_metadata
from svckit.kafka import consumer_config
from svckit.outbox import OutboxEvent, add_events, outbox_table
from svckit.outbox.process import RelayProcess, RelaySpec
from tests.conftest import SLOT

metadata = service_metadata()
outbox = outbox_table(metadata)


@pytest.fixture(scope="module")
async def outbox_db(endpoints: infra.Endpoints) -> AsyncIterator[tuple[AsyncEngine, str]]:
    dsn = infra.create_database(f"test{SLOT or ''}_svckit_relay_process", drop_first=True)
    engine = make_engine(dsn, pool_size=2)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine, dsn
    await engine.dispose()


@pytest.fixture
def topic(endpoints: infra.Endpoints) -> Iterator[str]:
    name = f"relay-process-{uuid.uuid4().hex[:8]}"
    ensure_topics(endpoints.kafka_bootstrap, {name: 1})
    yield name
    AdminClient({"bootstrap.servers": endpoints.kafka_bootstrap}).delete_topics([name])


async def queue(engine: AsyncEngine, topic: str, values: list[bytes]) -> None:
    async with make_sessionmaker(engine).begin() as session:
        await add_events(
            session, outbox, [OutboxEvent(topic, "1", "test.event", v) for v in values]
        )


def consume(bootstrap: str, topic: str, count: int) -> list[bytes]:
    """The values of the first `count` records on the topic, in order."""
    consumer = Consumer(consumer_config(bootstrap, f"test-{uuid.uuid4().hex[:8]}"))
    consumer.subscribe([topic])
    values: list[bytes] = []
    try:
        deadline = time.monotonic() + 60
        while len(values) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                values.append(message.value() or b"")
    finally:
        consumer.close()
    return values


def sample(name: str, source: str) -> float:
    return REGISTRY.get_sample_value(name, {"source": source}) or 0.0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


async def until(check: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_events_go_out_reports_count_here_and_a_killed_relay_is_replaced(
    outbox_db: tuple[AsyncEngine, str], endpoints: infra.Endpoints, topic: str
) -> None:
    engine, dsn = outbox_db
    source = f"test-{uuid.uuid4().hex[:8]}"
    relay = RelayProcess(
        RelaySpec("test", dsn, endpoints.kafka_bootstrap, source), restart_seconds=0.1
    )
    running = asyncio.create_task(relay.run())
    try:
        await until(lambda: relay.pid is not None)
        first = relay.pid
        assert first in children(os.getpid())
        await queue(engine, topic, [b"a", b"b", b"c"])
        await until(lambda: sample("outbox_published_total", source) == 3)
        assert sample("outbox_relay_lag_seconds_count", source) == 3
        assert sample("outbox_backlog", source) == 0

        os.kill(first, signal.SIGKILL)
        await until(lambda: relay.pid not in (None, first))
        await queue(engine, topic, [b"d"])
        await until(lambda: sample("outbox_published_total", source) == 4)
        published = await asyncio.to_thread(consume, endpoints.kafka_bootstrap, topic, 4)
        assert published == [b"a", b"b", b"c", b"d"]
        last = relay.pid
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert last is not None
    assert not alive(last), "stopping the task stops the relay process"
    assert not alive(first)


def test_the_relay_process_dies_with_its_parent(
    outbox_db: tuple[AsyncEngine, str], endpoints: infra.Endpoints
) -> None:
    _, dsn = outbox_db
    script = Path(__file__).with_name("relay_parent.py")
    parent = subprocess.Popen(
        [sys.executable, str(script), dsn, endpoints.kafka_bootstrap],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 30
        while not children(parent.pid):
            assert parent.poll() is None
            assert time.monotonic() < deadline, "no relay process started"
            time.sleep(0.05)
        (child,) = children(parent.pid)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 15
        while alive(child):
            assert time.monotonic() < deadline, "the relay outlived its parent"
            time.sleep(0.05)
    finally:
        if parent.poll() is None:
            parent.kill()
