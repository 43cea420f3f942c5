"""Kafka producer/consumer settings and CloudEvents (binary content mode) headers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from confluent_kafka import Consumer, KafkaException, Message, Producer, TopicPartition

CONTENT_TYPE = "application/protobuf"

POLL_SECONDS = 0.2
"""How long a consumer's poll waits for a first record. A consumer is closed only once its
poll in flight has returned, so this is also how long stopping may wait for each consumer."""

Headers = list[tuple[str, str | bytes | None]]
"""Record headers in the shape `Producer.produce(headers=...)` accepts."""


def producer_config(bootstrap: str) -> dict[str, object]:
    """Idempotent producer, every in-sync replica acknowledges, small batching delay."""
    return {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
    }


def make_producer(bootstrap: str) -> Producer:
    return Producer(producer_config(bootstrap))


def consumer_config(
    bootstrap: str, group_id: str, *, auto_commit: bool = False
) -> dict[str, object]:
    """Consumer in `group_id` that starts from the earliest offset when the group has none."""
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group_id,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": auto_commit,
    }


def broadcast_consumer_config(bootstrap: str, group_id: str) -> dict[str, object]:
    """A consumer that reads every partition itself (a group of its own), from now on, and is
    handed each record at once: for state every replica of a process must hear.

    The broker answers a waiting fetch as soon as a record arrives, so a long wait costs no
    latency; a wait of 10 ms made each idle consumer fetch a hundred times a second, which
    kept 12 % of a core busy in the broker for every gateway's two consumers."""
    return consumer_config(bootstrap, group_id) | {
        "auto.offset.reset": "latest",
        "enable.auto.offset.store": False,
        "fetch.wait.max.ms": 500,
        "fetch.min.bytes": 1,
        "socket.nagle.disable": True,
    }


def assign_at_end(consumer: Consumer, topics: list[str], *, timeout: float = 10.0) -> None:
    """Assigns every partition of `topics` at its end offset, resolved now."""
    partitions = []
    for topic in topics:
        metadata = consumer.list_topics(topic, timeout=timeout).topics[topic]
        if metadata.error is not None:
            raise KafkaException(metadata.error)
        for number in sorted(metadata.partitions):
            _, end = consumer.get_watermark_offsets(
                TopicPartition(topic, number), timeout=timeout, cached=False
            )
            partitions.append(TopicPartition(topic, number, end))
    consumer.assign(partitions)


def _next_records(consumer: Consumer, batch_size: int, linger: float) -> list[Message]:
    """Waits for a record, then up to `linger` seconds for more to fill the batch.

    `consume(batch_size, wait)` alone waits the whole time for a batch to fill, so it held
    every record of a quiet topic for that long, not only the ones worth batching.
    """
    first = consumer.poll(POLL_SECONDS)
    if first is None:
        return []
    return [first, *consumer.consume(batch_size - 1, linger)]


async def arrived_records(
    consumer: Consumer, batch_size: int, *, linger: float = 0.0
) -> list[Message]:
    """Up to `batch_size` records: the first to arrive (waiting at most POLL_SECONDS for it),
    with those that came by then or within `linger` seconds after it. Polled in a worker
    thread; if cancelled, lets the poll finish before the caller closes the consumer."""
    polling = asyncio.ensure_future(asyncio.to_thread(_next_records, consumer, batch_size, linger))
    try:
        return await asyncio.shield(polling)
    except asyncio.CancelledError:
        await asyncio.wait([polling])
        raise


def make_consumer(bootstrap: str, group_id: str, *, auto_commit: bool = False) -> Consumer:
    return Consumer(consumer_config(bootstrap, group_id, auto_commit=auto_commit))


def cloudevent_headers(
    event_id: str,
    event_type: str,
    source: str,
    time: datetime,
    traceparent: str | None = None,
) -> Headers:
    """CloudEvents Kafka binary-mode headers for a protobuf-encoded record value.

    A `traceparent` (the distributed-tracing extension) travels as `ce_traceparent`.
    """
    if time.tzinfo is None:
        raise ValueError("CloudEvents time must be timezone-aware")
    rfc3339 = time.astimezone(UTC).isoformat().replace("+00:00", "Z")
    headers: Headers = [
        ("ce_id", event_id.encode()),
        ("ce_type", event_type.encode()),
        ("ce_source", source.encode()),
        ("ce_specversion", b"1.0"),
        ("ce_time", rfc3339.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if traceparent:
        headers.append(("ce_traceparent", traceparent.encode()))
    return headers


def headers_dict(msg: Message) -> dict[str, str]:
    """A consumed record's headers as text (the last value wins for a repeated name)."""
    raw = msg.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    return {
        name: value.decode(errors="replace") if isinstance(value, bytes) else (value or "")
        for name, value in pairs
    }
