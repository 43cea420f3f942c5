"""The one Kafka consume loop every service uses: ordered, retried, committed after handling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from confluent_kafka import Consumer, Message, TopicPartition

from svckit.kafka import arrived_records
from svckit.metrics import ConsumerLag

log = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_RETRY_SECONDS = 30.0

Handler = Callable[[Message], Awaitable[None]]
BatchHandler = Callable[[list[Message]], Awaitable[None]]


def retry_delay(failures: int) -> float:
    """0.5 s, doubling per failure in a row, at most MAX_RETRY_SECONDS."""
    return float(min(0.5 * 2 ** (failures - 1), MAX_RETRY_SECONDS))


def position(message: Message) -> TopicPartition:
    """Where a consumed record sits, to seek back to it."""
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    if topic is None or partition is None or offset is None:
        raise ValueError("a consumed record has a topic, partition and offset")
    return TopicPartition(topic, partition, offset)


async def consume(
    consumer: Consumer,
    topics: list[str],
    handle: Handler,
    *,
    commit: bool,
    lag: ConsumerLag,
    first: BatchHandler | None = None,
    linger: float = 0.0,
) -> None:
    """Hands every record of `topics` to `handle`, in order per partition, until cancelled.

    With `first`, each batch is handed to it whole before `handle` gets its records: for
    work that is cheaper done once per batch (one statement for many records). If it fails,
    the whole batch is handled again after the pause, `first` included. A batch is what has
    arrived when its first record comes; with `linger`, what comes up to that many seconds
    later too (each record may wait that long, and there are fewer, larger batches).

    Records come in batches. A record whose handling fails is handled again after a growing
    pause: the consumer seeks back to it and to every record after it in the batch, so
    nothing is skipped. With `commit`, offsets are committed once per batch, up to the last
    record handled in each partition; after a crash at most one batch is handled again,
    which the handlers absorb (they are idempotent). The consumer is closed at the end.
    """
    consumer.subscribe(topics)
    failures = 0
    try:
        while True:
            records = await arrived_records(consumer, BATCH_SIZE, linger=linger)
            lag.refresh(consumer)
            handled, failed = await _handle_batch(records, handle, first, lag.name)
            if commit and handled:
                await asyncio.to_thread(consumer.commit, offsets=handled, asynchronous=False)
            if not failed:
                failures = 0
                continue
            failures += 1
            delay = retry_delay(failures)
            log.error("%s: record not handled; retrying in %.1fs", lag.name, delay)
            for unhandled in _first_of_each_partition(failed):
                await asyncio.to_thread(consumer.seek, unhandled)
            await asyncio.sleep(delay)
    finally:
        await asyncio.to_thread(consumer.close)


async def _handle_batch(
    records: list[Message], handle: Handler, first: BatchHandler | None, name: str
) -> tuple[list[TopicPartition], list[Message]]:
    """`first` on the whole batch, then `_handle_in_order`; if `first` fails, nothing is
    handled and every record is left."""
    if first is not None and records:
        try:
            await first(records)
        except Exception:
            log.exception("%s: handling a batch failed", name)
            return [], records
    return await _handle_in_order(records, handle, name)


async def _handle_in_order(
    records: list[Message], handle: Handler, name: str
) -> tuple[list[TopicPartition], list[Message]]:
    """Handles `records` until one fails; returns the commit offsets of what was handled
    (per partition) and the records left from the failed one on."""
    done: dict[tuple[str, int], TopicPartition] = {}
    for index, message in enumerate(records):
        if message.error() is not None:
            log.warning("%s: %s", name, message.error())
            continue
        try:
            await handle(message)
        except Exception:
            log.exception("%s: handling a record failed", name)
            return list(done.values()), records[index:]
        at = position(message)
        done[(at.topic, at.partition)] = TopicPartition(at.topic, at.partition, at.offset + 1)
    return list(done.values()), []


def _first_of_each_partition(records: list[Message]) -> list[TopicPartition]:
    """Where to resume each partition: its first record among `records` (which are in order)."""
    first: dict[tuple[str, int], TopicPartition] = {}
    for message in records:
        if message.error() is None:
            at = position(message)
            first.setdefault((at.topic, at.partition), at)
    return list(first.values())
