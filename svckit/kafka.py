"""Kafka producer/consumer settings and CloudEvents (binary content mode) headers."""

from __future__ import annotations

from datetime import UTC, datetime

from confluent_kafka import Consumer, Message, Producer

CONTENT_TYPE = "application/protobuf"

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


def make_consumer(bootstrap: str, group_id: str, *, auto_commit: bool = False) -> Consumer:
    return Consumer(consumer_config(bootstrap, group_id, auto_commit=auto_commit))


def cloudevent_headers(event_id: str, event_type: str, source: str, time: datetime) -> Headers:
    """CloudEvents Kafka binary-mode headers for a protobuf-encoded record value."""
    if time.tzinfo is None:
        raise ValueError("CloudEvents time must be timezone-aware")
    rfc3339 = time.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return [
        ("ce_id", event_id.encode()),
        ("ce_type", event_type.encode()),
        ("ce_source", source.encode()),
        ("ce_specversion", b"1.0"),
        ("ce_time", rfc3339.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]


def headers_dict(msg: Message) -> dict[str, str]:
    """A consumed record's headers as text (the last value wins for a repeated name)."""
    raw = msg.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    return {
        name: value.decode(errors="replace") if isinstance(value, bytes) else (value or "")
        for name, value in pairs
    }
