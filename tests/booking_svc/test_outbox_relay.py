"""booking_svc's events through the outbox relay while Kafka refuses them, and after it is back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.models import outbox
from booking_svc.service import BookingService
from cinemapb.events.v1 import events_pb2
from svckit.identity import Caller
from svckit.outbox import OutboxRelay


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
    relay = OutboxRelay(
        engine,
        str(engine.url.render_as_string(hide_password=False)),
        outbox,
        bootstrap_servers="unused",
        source="booking_svc",
        producer_factory=lambda _config: kafka,
    )
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
    relay = OutboxRelay(
        engine,
        str(engine.url.render_as_string(hide_password=False)),
        outbox,
        bootstrap_servers="unused",
        source="booking_svc",
        producer_factory=lambda _config: kafka,
    )
    assert await relay.publish_batch() == 0
    assert await unpublished(engine) == 3
    assert await relay.publish_batch() == 3
    versions = [events_pb2.BookingEvent.FromString(v).seat_map_version for _, _, v in kafka.log]
    assert versions == [2, 3, 1, 2, 3]
