"""The one Kafka consume loop every service uses: ordered, retried, committed after handling."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from confluent_kafka import Consumer, Message, TopicPartition

from svckit.metrics import ConsumerLag

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0

Handler = Callable[[Message], Awaitable[None]]


async def poll(consumer: Consumer) -> Message | None:
    """Polls in a worker thread; if cancelled, lets the poll return before the caller closes."""
    polling = asyncio.ensure_future(asyncio.to_thread(consumer.poll, POLL_SECONDS))
    try:
        return await asyncio.shield(polling)
    except asyncio.CancelledError:
        await asyncio.wait([polling])
        raise


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
    consumer: Consumer, topics: list[str], handle: Handler, *, commit: bool, lag: ConsumerLag
) -> None:
    """Hands every record of `topics` to `handle`, in order, until cancelled.

    A record whose handling fails is handled again after a growing pause (the consumer
    seeks back to it), so nothing is skipped; with `commit`, its offset is committed only
    after it was handled. The consumer is closed at the end.
    """
    consumer.subscribe(topics)
    failures = 0
    try:
        while True:
            message = await poll(consumer)
            lag.refresh(consumer)
            if message is None:
                continue
            if message.error() is not None:
                log.warning("%s: %s", lag.name, message.error())
                continue
            try:
                await handle(message)
            except Exception:
                failures += 1
                delay = retry_delay(failures)
                log.exception("%s: record not handled; retrying in %.1fs", lag.name, delay)
                await asyncio.to_thread(consumer.seek, position(message))
                await asyncio.sleep(delay)
                continue
            failures = 0
            if commit:
                await asyncio.to_thread(consumer.commit, message=message, asynchronous=False)
    finally:
        await asyncio.to_thread(consumer.close)
