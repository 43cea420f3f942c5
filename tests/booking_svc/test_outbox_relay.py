"""booking_svc's events through the outbox relay while Kafka refuses them, and after it is back."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc import jobs
from booking_svc.models import outbox
from booking_svc.service import BookingService
from cinemapb.events.v1 import events_pb2
from svckit.identity import Caller
from svckit.outbox import NOTIFY_CHANNEL, OutboxRelay


class SwitchableKafka:
    """A producer whose deliveries fail while `down`, and succeed, in order, once it is up."""

    def __init__(self, _config: dict[str, Any]) -> None:
        self.down = True
        self.queued: list[tuple[str, bytes, bytes, Any]] = []
        self.log: list[tuple[str, bytes, bytes]] = []

    def produce(
        self, topic: str, *, key: bytes, value: bytes, headers: Any, on_delivery: Any
    ) -> None:
        self.queued.append((topic, key, value, on_delivery))

    def flush(self, _timeout: float) -> int:
        for topic, key, value, on_delivery in self.queued:
            if self.down:
                on_delivery("Local: Message timed out", None)
            else:
                self.log.append((topic, key, value))
                on_delivery(None, None)
        self.queued = []
        return 0


def relay_to(kafka: SwitchableKafka, engine: AsyncEngine, **options: Any) -> OutboxRelay:
    """A relay of booking_svc's outbox that publishes to `kafka`."""
    return OutboxRelay(
        engine,
        str(engine.url.render_as_string(hide_password=False)),
        outbox,
        bootstrap_servers="unused",
        source="booking_svc",
        producer_factory=lambda _config: kafka,
        **options,
    )


async def unpublished(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
    return int(count or 0)


async def test_events_wait_in_the_outbox_while_kafka_fails_and_all_go_out_in_order_after(
    service: BookingService, engine: AsyncEngine
) -> None:
    alice = Caller(1, "user")
    first = await service.hold(alice, 1, [101, 102])
    await service.confirm(alice, str(first.id))
    second = await service.hold(alice, 1, [103])
    await service.cancel(alice, str(second.id))
    kafka = SwitchableKafka({})
    relay = relay_to(kafka, engine)
    assert await relay.publish_batch() == 0
    assert await unpublished(engine) == 4
    kafka.down = False
    assert await relay.publish_batch() == 4
    assert await unpublished(engine) == 0
    events = [events_pb2.BookingEvent.FromString(value) for _, _, value in kafka.log]
    assert [e.seat_map_version for e in events] == [1, 2, 3, 4]
    assert [topic for topic, _, _ in kafka.log] == [
        "unit.booking.created",
        "unit.booking.confirmed",
        "unit.booking.created",
        "unit.booking.cancelled",
    ]
    assert {key for _, key, _ in kafka.log} == {b"1"}


class FirstFailsKafka(SwitchableKafka):
    """Loses the first message of its first flush but delivers the rest: a gap in a batch."""

    def flush(self, _timeout: float) -> int:
        for index, (topic, key, value, on_delivery) in enumerate(self.queued):
            if self.down and index == 0:
                on_delivery("Local: Message timed out", None)
            else:
                self.log.append((topic, key, value))
                on_delivery(None, None)
        self.queued = []
        self.down = False
        return 0


async def test_a_failed_event_is_published_again_before_later_events_count_as_done(
    service: BookingService, engine: AsyncEngine
) -> None:
    alice = Caller(1, "user")
    for seat in (101, 102, 103):
        await service.hold(alice, 1, [seat])
    kafka = FirstFailsKafka({})
    relay = relay_to(kafka, engine)
    assert await relay.publish_batch() == 0
    assert await unpublished(engine) == 3
    assert await relay.publish_batch() == 3
    versions = [events_pb2.BookingEvent.FromString(v).seat_map_version for _, _, v in kafka.log]
    assert versions == [2, 3, 1, 2, 3]


async def test_a_burst_of_commit_notices_does_not_hold_back_the_next_event(
    service: BookingService, engine: AsyncEngine
) -> None:
    """After a flash sale thousands of NOTIFYs wait on the relay's connection at once; the
    relay must take them as one wake-up, not pause once for each."""
    kafka = SwitchableKafka({})
    kafka.down = False
    relay = relay_to(kafka, engine, gather_seconds=0.05)
    running = asyncio.create_task(relay.run())
    try:
        first = await service.hold(Caller(1, "user"), 1, [101])
        await wait_until_published(kafka, 1)
        async with engine.begin() as conn:
            await conn.execute(
                text("SELECT pg_notify(:channel, g::text) FROM generate_series(1, 2000) AS g"),
                {"channel": NOTIFY_CHANNEL},
            )
        await asyncio.sleep(0.5)  # the relay is among the notices now
        second = await service.hold(Caller(2, "user"), 1, [102])
        # paused once per notice, the relay would need 2000 x 0.05 s = 100 s
        await asyncio.wait_for(wait_until_published(kafka, 2), timeout=10)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    booking_ids = [events_pb2.BookingEvent.FromString(v).booking_id for _, _, v in kafka.log]
    assert booking_ids == [str(first.id), str(second.id)]


async def test_the_relay_waits_while_the_expirer_drains_then_publishes(
    service: BookingService, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """booking_svc's timers put the relay behind a burst of expiries (booking_svc/jobs.py)."""
    monkeypatch.setattr(jobs, "RELAY_DEFERRAL_SECONDS", 30.0)
    draining, finish = asyncio.Event(), asyncio.Event()

    async def burst_of_expiries(_limit: int) -> int:
        draining.set()
        await finish.wait()
        return 0

    monkeypatch.setattr(service, "expire_due", burst_of_expiries)
    kafka = SwitchableKafka({})
    kafka.down = False
    relay = relay_to(kafka, engine, gather_seconds=0.0)
    expirer = jobs.timers(service, relay.dsn, relay)["expirer"]
    running = [asyncio.ensure_future(expirer()), asyncio.ensure_future(relay.run())]
    try:
        await asyncio.wait_for(draining.wait(), 5)
        held = await service.hold(Caller(1, "user"), 1, [101])
        await asyncio.sleep(0.5)
        assert kafka.log == []
        finish.set()
        await asyncio.wait_for(wait_until_published(kafka, 1), timeout=5)
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    assert events_pb2.BookingEvent.FromString(kafka.log[0][2]).booking_id == str(held.id)


async def wait_until_published(kafka: SwitchableKafka, count: int) -> None:
    while len(kafka.log) < count:  # noqa: ASYNC110 - the fake producer has no event to await
        await asyncio.sleep(0.01)
