"""The launcher's Kafka broker: topics, produce/consume with CloudEvents headers, group offsets."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from confluent_kafka import Consumer, KafkaError, Message
from confluent_kafka.admin import AdminClient

from cinemapb.events.v1.events_pb2 import BookingEvent
from deploy.infra import TOPICS, Endpoints
from svckit.kafka import cloudevent_headers, headers_dict, make_consumer, make_producer

BOOKING_TOPICS = sorted(name for name in TOPICS if name.startswith("booking."))
WAIT_SECONDS = 30.0


def _produce(bootstrap: str, topic: str, key: str, event_ids: list[str]) -> None:
    """Produce one BookingEvent per id, all with `key`, and wait until each is acknowledged."""
    producer = make_producer(bootstrap)
    errors: list[KafkaError] = []
    delivered: list[bytes | None] = []

    def on_delivery(err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            errors.append(err)
        else:
            delivered.append(msg.key())

    for event_id in event_ids:
        event = BookingEvent(event_id=event_id, booking_id=key, session_id=42, seat_ids=[3, 4])
        producer.produce(
            topic,
            key=key.encode(),
            value=event.SerializeToString(),
            headers=cloudevent_headers(event_id, topic, "/tests/infra", datetime.now(UTC)),
            on_delivery=on_delivery,
        )
    assert producer.flush(WAIT_SECONDS) == 0
    assert errors == []
    assert delivered == [key.encode()] * len(event_ids)


def _collect(consumer: Consumer, key: str, count: int) -> list[Message]:
    """Poll until `count` records with `key` arrived (others are skipped); return them in order."""
    found: list[Message] = []
    deadline = time.monotonic() + WAIT_SECONDS
    while len(found) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        assert msg.error() is None, msg.error()
        if msg.key() == key.encode():
            found.append(msg)
    return found


def _ids(messages: list[Message]) -> list[str]:
    return [headers_dict(msg)["ce_id"] for msg in messages]


def test_every_topic_has_six_partitions_each_with_a_leader(infra: Endpoints) -> None:
    metadata = AdminClient({"bootstrap.servers": infra.kafka_bootstrap}).list_topics(timeout=10)
    for name, partitions in TOPICS.items():
        topic = metadata.topics[name]
        assert partitions == 6
        assert len(topic.partitions) == partitions
        assert all(p.leader >= 0 for p in topic.partitions.values())


@pytest.mark.parametrize("topic", BOOKING_TOPICS)
def test_a_produced_event_is_consumed_with_its_cloudevent_headers(
    infra: Endpoints, topic: str
) -> None:
    key = f"run-{uuid.uuid4().hex}"
    _produce(infra.kafka_bootstrap, topic, key, [f"{key}-event"])

    consumer = make_consumer(infra.kafka_bootstrap, f"test-{key}")
    try:
        consumer.subscribe([topic])
        [msg] = _collect(consumer, key, 1)
    finally:
        consumer.close()

    value = msg.value()
    assert value is not None
    event = BookingEvent.FromString(value)
    assert (event.event_id, event.booking_id, list(event.seat_ids)) == (f"{key}-event", key, [3, 4])
    headers = headers_dict(msg)
    assert headers["ce_id"] == f"{key}-event"
    assert headers["ce_type"] == topic
    assert headers["ce_source"] == "/tests/infra"
    assert headers["ce_specversion"] == "1.0"
    assert headers["content-type"] == "application/protobuf"
    assert headers["ce_time"].endswith("Z")
    assert datetime.fromisoformat(headers["ce_time"]).tzinfo is not None


def test_a_group_resumes_after_its_last_committed_offset(infra: Endpoints) -> None:
    topic = "booking.created"
    # One key, so one partition: a wrong committed offset would replay the first batch first.
    key = f"run-{uuid.uuid4().hex}"
    group = f"test-group-{key}"
    first_ids = [f"{key}-first-{i}" for i in range(5)]
    _produce(infra.kafka_bootstrap, topic, key, first_ids)

    consumer = make_consumer(infra.kafka_bootstrap, group)
    try:
        consumer.subscribe([topic])
        first = _collect(consumer, key, len(first_ids))
        assert _ids(first) == first_ids
        consumer.commit(message=first[-1], asynchronous=False)
    finally:
        consumer.close()

    second_ids = [f"{key}-second-{i}" for i in range(3)]
    _produce(infra.kafka_bootstrap, topic, key, second_ids)

    consumer = make_consumer(infra.kafka_bootstrap, group)
    try:
        consumer.subscribe([topic])
        assert _ids(_collect(consumer, key, len(second_ids))) == second_ids
    finally:
        consumer.close()
