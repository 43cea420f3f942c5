"""The shared consume loop against the real broker: batches, retries in place, commits after."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer, Message, Producer
from confluent_kafka.admin import AdminClient

from deploy import infra
from deploy.kafka_broker import ensure_topics
from svckit.consuming import consume
from svckit.kafka import consumer_config
from svckit.metrics import ConsumerLag
from tests.helpers import wait_for_commits

RECORDS = {0: [b"a0", b"a1", b"a2", b"a3"], 1: [b"b0", b"b1", b"b2", b"b3"]}
QUIET_RECORDS = 8
"""Sent one at a time, each up to 0.3 s after the last was handled."""


@pytest.fixture
def topic(endpoints: infra.Endpoints) -> Iterator[str]:
    name = f"consuming-{uuid.uuid4().hex[:8]}"
    ensure_topics(endpoints.kafka_bootstrap, {name: 2})
    producer = Producer({"bootstrap.servers": endpoints.kafka_bootstrap})
    for partition, values in RECORDS.items():
        for value in values:
            producer.produce(name, value=value, partition=partition)
    producer.flush(10)
    yield name
    AdminClient({"bootstrap.servers": endpoints.kafka_bootstrap}).delete_topics([name])


async def test_a_failure_mid_batch_resumes_every_partition_where_it_stopped(
    endpoints: infra.Endpoints, topic: str
) -> None:
    bootstrap = endpoints.kafka_bootstrap
    group = f"consuming-{uuid.uuid4().hex[:8]}"
    seen: list[bytes] = []
    failures = {b"a1": 1, b"b2": 2}
    all_seen = asyncio.Event()

    async def handle(message: Message) -> None:
        value = message.value() or b""
        seen.append(value)
        if failures.get(value, 0) > 0:
            failures[value] -= 1
            raise RuntimeError("not now")
        if {b"a3", b"b3"} <= set(seen):
            all_seen.set()

    consumer = Consumer(consumer_config(bootstrap, group))
    running = asyncio.create_task(
        consume(consumer, [topic], handle, commit=True, lag=ConsumerLag("test"))
    )
    try:
        await asyncio.wait_for(all_seen.wait(), 60)
        await wait_for_commits(bootstrap, group, topic, [4, 4])
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

    for values in RECORDS.values():
        in_partition = [value for value in seen if value in values]
        firsts = list(dict.fromkeys(in_partition))
        assert firsts == values, f"out of order or skipped: {in_partition}"
        for earlier, later in itertools.pairwise(values):
            last_earlier = max(i for i, v in enumerate(in_partition) if v == earlier)
            first_later = in_partition.index(later)
            assert last_earlier < first_later, f"{later!r} before {earlier!r} was done"
    assert seen.count(b"a1") == 2
    assert seen.count(b"b2") == 3


async def test_a_record_on_a_quiet_topic_is_handled_as_it_arrives(
    endpoints: infra.Endpoints,
) -> None:
    """A poll that waited for a whole batch held each record of a quiet topic (a session
    changed, a seat freed) until its wait of a second was over: 0.7-1 s here."""
    bootstrap = endpoints.kafka_bootstrap
    name = f"consuming-quiet-{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, {name: 1})
    handled: asyncio.Queue[float] = asyncio.Queue()

    async def handle(_: Message) -> None:
        handled.put_nowait(time.monotonic())

    consumer = Consumer(consumer_config(bootstrap, f"quiet-{uuid.uuid4().hex[:8]}"))
    running = asyncio.create_task(
        consume(consumer, [name], handle, commit=False, lag=ConsumerLag("test"))
    )
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    rng = random.Random(7)
    lags = []
    try:
        producer.produce(name, value=b"first")  # the consumer's group is joined once it is handled
        producer.flush(10)
        await asyncio.wait_for(handled.get(), 30)
        for _ in range(QUIET_RECORDS):
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            sent = time.monotonic()
            producer.produce(name, value=b"quiet")
            producer.flush(10)
            lags.append(await asyncio.wait_for(handled.get(), 10) - sent)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        AdminClient({"bootstrap.servers": bootstrap}).delete_topics([name])
    assert max(lags) < 0.5, [round(lag, 3) for lag in lags]
