"""The outbox relay on a thread of its own: it publishes in order, off the caller's loop, and
stops cleanly when cancelled."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.service import BookingService
from cinemapb.events.v1 import events_pb2
from svckit.identity import Caller
from svckit.outbox import OutboxRelay, RelayThread
from tests.booking_svc.test_outbox_relay import (
    SwitchableKafka,
    relay_to,
    unpublished,
    wait_until_published,
)


class ThreadNotingKafka(SwitchableKafka):
    """Delivers everything and notes the thread each message was produced on."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.down = False
        self.threads: set[str] = set()
        self.flushed_at_close = False

    def produce(
        self, topic: str, *, key: bytes, value: bytes, headers: Any, on_delivery: Any
    ) -> None:
        self.threads.add(threading.current_thread().name)
        super().produce(topic, key=key, value=value, headers=headers, on_delivery=on_delivery)


def dsn_of(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


def relay_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "outbox-relay"]


async def test_the_relay_thread_publishes_in_commit_order_then_stops_when_cancelled(
    service: BookingService, engine: AsyncEngine
) -> None:
    kafka = ThreadNotingKafka({})
    relay = RelayThread(lambda own: relay_to(kafka, own), dsn_of(engine))
    running = asyncio.create_task(relay.run())
    alice = Caller(1, "user")
    first = await service.hold(alice, 1, [101, 102])
    await service.confirm(alice, str(first.id))
    second = await service.hold(alice, 1, [103])
    await service.cancel(alice, str(second.id))
    await asyncio.wait_for(wait_until_published(kafka, 4), timeout=20)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    events = [events_pb2.BookingEvent.FromString(value) for _, _, value in kafka.log]
    assert [event.seat_map_version for event in events] == [1, 2, 3, 4]
    assert [event.booking_id for event in events] == [str(first.id)] * 2 + [str(second.id)] * 2
    assert kafka.threads == {"outbox-relay"}
    assert await unpublished(engine) == 0
    assert relay_threads() == []


async def test_a_relay_thread_cancelled_at_once_stops_cleanly(
    service: BookingService, engine: AsyncEngine
) -> None:
    await service.hold(Caller(1, "user"), 1, [101])
    kafka = ThreadNotingKafka({})
    running = asyncio.create_task(
        RelayThread(lambda own: relay_to(kafka, own), dsn_of(engine)).run()
    )
    await asyncio.sleep(0)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert relay_threads() == []


async def test_an_error_that_ends_the_relay_is_raised_to_its_supervisor(
    engine: AsyncEngine,
) -> None:
    def broken(_engine: AsyncEngine) -> OutboxRelay:
        raise RuntimeError("no relay today")

    with pytest.raises(RuntimeError, match="no relay today"):
        await asyncio.wait_for(RelayThread(broken, dsn_of(engine)).run(), timeout=20)
    assert relay_threads() == []
