"""The booking-event consumer against the real Kafka broker: retries in place, commits after."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient

from cinemapb.events.v1 import events_pb2
from deploy import infra
from deploy.kafka_broker import ensure_topics
from svckit.kafka import cloudevent_headers
from svckit.vocabulary import Topic
from tests.helpers import wait_for_commits
from user_svc.notifications.consumer import BookingEventConsumer


@pytest.fixture
def topic(endpoints: infra.Endpoints) -> Iterator[str]:
    name = f"notify-consumer-{uuid.uuid4().hex[:8]}.booking.confirmed"
    ensure_topics(endpoints.kafka_bootstrap, {name: 1})
    yield name
    AdminClient({"bootstrap.servers": endpoints.kafka_bootstrap}).delete_topics([name])


def publish(bootstrap: str, topic: str, values: list[bytes], ids: list[str]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for value, event_id in zip(values, ids, strict=True):
        headers = cloudevent_headers(event_id, "booking.confirmed", "test", datetime.now(UTC))
        producer.produce(topic, key=b"1", value=value, headers=headers)
    producer.flush(10)


async def test_a_failing_event_is_retried_before_later_ones_and_committed_after(
    endpoints: infra.Endpoints, topic: str
) -> None:
    bootstrap = endpoints.kafka_bootstrap
    group = f"notify-consumer-{uuid.uuid4().hex[:8]}"
    events = [
        events_pb2.BookingEvent(event_id=str(uuid.uuid4()), booking_id=f"b{n}", user_id=1)
        for n in range(3)
    ]
    ids = [e.event_id for e in events]
    publish(
        bootstrap,
        topic,
        [b"\xff not protobuf", *(e.SerializeToString() for e in events)],
        [str(uuid.uuid4()), *ids],
    )
    seen: list[tuple[str, str, str]] = []
    failures = {"b1": 2}
    done = asyncio.Event()

    async def handle(name: Topic, event: events_pb2.BookingEvent, ce_id: str) -> None:
        seen.append((name, event.booking_id, ce_id))
        if failures.get(event.booking_id, 0) > 0:
            failures[event.booking_id] -= 1
            raise RuntimeError("send failed")
        if event.booking_id == "b2":
            done.set()

    consumer = BookingEventConsumer(
        handle, bootstrap_servers=bootstrap, topics={topic: Topic.BOOKING_CONFIRMED}, group=group
    )
    running = asyncio.create_task(consumer.run())
    try:
        await asyncio.wait_for(done.wait(), 60)
        await wait_for_commits(bootstrap, group, topic, [4])
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

    assert [booking for _, booking, _ in seen] == ["b0", "b1", "b1", "b1", "b2"]
    assert {name for name, _, _ in seen} == {"booking.confirmed"}
    assert [ce_id for _, _, ce_id in seen] == [ids[0], ids[1], ids[1], ids[1], ids[2]]
