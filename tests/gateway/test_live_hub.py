"""The live hub with a fake snapshot source (version rules, resyncs, slow watchers), and the
consumer's handling of a batch of records."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import cast

import pytest
from confluent_kafka import Message
from google.protobuf.timestamp_pb2 import Timestamp
from prometheus_client import REGISTRY

from cinemapb.events.v1 import events_pb2
from gateway.live.consumer import BookingEventFeed
from gateway.live.hub import LiveHub, SessionNotFound, Snapshots, Watcher
from gateway.live.protocol import Change, CloseCode, Snapshot, change
from gateway.live.seatmaps import SeatMapStore
from svckit.settings import KafkaSettings
from svckit.vocabulary import Topic

SESSION = 7
WAIT = 2.0


class FakeSeatMaps:
    """Snapshots at whatever version the test sets; counts loads; can hold a load back."""

    def __init__(self, version: int = 0) -> None:
        self.version = version
        self.loads = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def load(self, session_id: int) -> Snapshot:
        self.loads += 1
        if session_id != SESSION:
            raise SessionNotFound(session_id)
        version = self.version
        await self.gate.wait()
        return Snapshot(session_id, version, f"snapshot {version}")


def changed(version: int, session_id: int = SESSION) -> Change:
    return Change(session_id, version, f"change {version}")


async def next_message(feed: AsyncIterator[str]) -> str:
    return await asyncio.wait_for(anext(feed), WAIT)


async def nothing_more(feed: AsyncIterator[str]) -> bool:
    """True when the feed has nothing to send for a little while."""
    try:
        await asyncio.wait_for(anext(feed), 0.3)
    except TimeoutError:
        return True
    return False


def hub_with(seat_maps: FakeSeatMaps, *, queue_size: int = 16, grace: float = 0.05) -> LiveHub:
    return LiveHub(Snapshots(seat_maps.load), queue_size=queue_size, reorder_grace=grace)


async def test_a_watcher_gets_a_snapshot_then_each_change_in_version_order() -> None:
    hub = hub_with(FakeSeatMaps(version=5))
    with hub.watch(SESSION) as watcher:
        feed = watcher.messages()
        assert await next_message(feed) == "snapshot 5"
        hub.publish([changed(6), changed(7)])
        assert [await next_message(feed), await next_message(feed)] == ["change 6", "change 7"]


async def test_changes_not_newer_than_what_was_sent_are_dropped() -> None:
    hub = hub_with(FakeSeatMaps(version=5))
    with hub.watch(SESSION) as watcher:
        feed = watcher.messages()
        await next_message(feed)
        hub.publish([changed(4), changed(5), changed(6), changed(6), changed(3)])
        assert await next_message(feed) == "change 6"
        assert await nothing_more(feed)


async def test_changes_that_arrive_while_the_first_snapshot_loads_are_kept() -> None:
    seat_maps = FakeSeatMaps(version=5)
    seat_maps.gate.clear()
    hub = hub_with(seat_maps)
    with hub.watch(SESSION) as watcher:
        feed = watcher.messages()
        first = asyncio.ensure_future(next_message(feed))
        await asyncio.sleep(0.01)
        hub.publish([changed(5), changed(6)])
        seat_maps.gate.set()
        assert await first == "snapshot 5"
        assert await next_message(feed) == "change 6"


async def test_a_change_ahead_of_a_missing_one_waits_for_it_and_both_go_out_in_order() -> None:
    seat_maps = FakeSeatMaps(version=5)
    hub = hub_with(seat_maps, grace=1.0)
    with hub.watch(SESSION) as watcher:
        feed = watcher.messages()
        await next_message(feed)
        hub.publish([changed(7)])
        hub.publish([changed(6)])
        assert [await next_message(feed), await next_message(feed)] == ["change 6", "change 7"]
        assert seat_maps.loads == 1


async def test_a_gap_that_stays_open_is_replaced_by_a_fresh_snapshot() -> None:
    seat_maps = FakeSeatMaps(version=5)
    hub = hub_with(seat_maps, grace=0.05)
    with hub.watch(SESSION) as watcher:
        feed = watcher.messages()
        await next_message(feed)
        seat_maps.version = 8
        hub.publish([changed(8)])
        assert await next_message(feed) == "snapshot 8"
        hub.publish([changed(7), changed(9)])
        assert await next_message(feed) == "change 9"
        assert seat_maps.loads == 2


async def test_a_snapshot_older_than_a_held_change_is_followed_by_that_change() -> None:
    seat_maps = FakeSeatMaps(version=5)
    hub = hub_with(seat_maps, grace=0.05)
    with hub.watch(SESSION) as watcher:
        feed = watcher.messages()
        await next_message(feed)
        seat_maps.version = 7
        hub.publish([changed(9), changed(8)])
        assert await next_message(feed) == "snapshot 7"
        assert [await next_message(feed), await next_message(feed)] == ["change 8", "change 9"]


async def test_a_watcher_whose_inbox_is_full_is_dropped_and_the_others_get_everything() -> None:
    hub = hub_with(FakeSeatMaps(version=0), queue_size=3)
    with hub.watch(SESSION) as stalled, hub.watch(SESSION) as reader:
        stalled_feed, feed = stalled.messages(), reader.messages()
        await next_message(stalled_feed)
        await next_message(feed)
        received = []
        for version in range(1, 11):
            hub.publish([changed(version)])
            received.append(await next_message(feed))
        assert received == [f"change {v}" for v in range(1, 11)]
        assert stalled.dropped.is_set()
        assert not reader.dropped.is_set()
        assert hub.watchers(SESSION) == 1
    assert hub.watchers(SESSION) == 0


async def test_closing_the_hub_ends_every_feed_with_1012_and_it_is_no_longer_live() -> None:
    hub = hub_with(FakeSeatMaps(version=0))
    hub.live.set()
    with hub.watch(SESSION) as first, hub.watch(SESSION + 1) as second:
        hub.close_all()
        for watcher in (first, second):
            assert watcher.dropped.is_set()
            code, reason = watcher.ending
            assert (code, int(code)) == (CloseCode.SERVICE_RESTART, 1012)
            assert "reconnect" in reason
        assert hub.watchers(SESSION) == hub.watchers(SESSION + 1) == 0
        assert not hub.live.is_set()


def test_a_watcher_too_slow_to_follow_is_told_to_try_again_later() -> None:
    hub = hub_with(FakeSeatMaps(version=0), queue_size=1)
    with hub.watch(SESSION) as watcher:
        hub.publish([changed(1), changed(2)])
        assert watcher.ending[0] == CloseCode.TRY_AGAIN_LATER
        hub.close_all()
        assert watcher.ending[0] == CloseCode.TRY_AGAIN_LATER, "the first reason stands"


async def test_watchers_of_one_session_see_nothing_of_another() -> None:
    hub = hub_with(FakeSeatMaps(version=0))
    with hub.watch(SESSION) as watcher:
        feed = watcher.messages()
        await next_message(feed)
        hub.publish([changed(1, session_id=SESSION + 1)])
        assert await nothing_more(feed)
        assert hub.watchers(SESSION + 1) == 0


async def test_resync_all_sends_every_watcher_a_fresh_snapshot() -> None:
    seat_maps = FakeSeatMaps(version=2)
    hub = hub_with(seat_maps)
    with hub.watch(SESSION) as watcher:
        feed = watcher.messages()
        await next_message(feed)
        seat_maps.version = 4
        hub.resync_all()
        assert await next_message(feed) == "snapshot 4"


async def test_an_unknown_session_ends_the_feed_with_session_not_found() -> None:
    hub = hub_with(FakeSeatMaps())
    with hub.watch(SESSION + 1) as watcher, pytest.raises(SessionNotFound):
        await next_message(watcher.messages())


async def test_watchers_asking_during_a_load_share_the_next_one_which_starts_after_they_asked() -> (
    None
):
    seat_maps = FakeSeatMaps(version=1)
    seat_maps.gate.clear()
    snapshots = Snapshots(seat_maps.load)
    first = asyncio.ensure_future(snapshots.get(SESSION))
    await asyncio.sleep(0.01)
    seat_maps.version = 2
    later = [asyncio.ensure_future(snapshots.get(SESSION)) for _ in range(5)]
    await asyncio.sleep(0.01)
    seat_maps.gate.set()
    assert (await first).version == 1
    assert {(await one).version for one in later} == {2}
    assert seat_maps.loads == 2


async def test_a_watcher_can_be_dropped_before_its_first_snapshot_arrives() -> None:
    seat_maps = FakeSeatMaps(version=0)
    seat_maps.gate.clear()
    hub = hub_with(seat_maps, queue_size=2)
    with hub.watch(SESSION) as watcher:
        hub.publish([changed(v) for v in range(1, 4)])
        assert watcher.dropped.is_set()
        assert hub.watchers(SESSION) == 0
    seat_maps.gate.set()


def test_a_change_message_tells_seats_status_and_reason_but_no_user_or_booking() -> None:
    event = events_pb2.BookingEvent(
        event_id="e",
        booking_id="b",
        user_id=42,
        session_id=SESSION,
        seat_ids=[3, 4],
        reason=events_pb2.CANCEL_REASON_EXPIRED,
        seat_map_version=12,
    )
    message = change(Topic.BOOKING_CANCELLED, event)
    assert (message.session_id, message.version) == (SESSION, 12)
    assert json.loads(message.text) == {
        "type": "change",
        "session_id": SESSION,
        "version": 12,
        "event": "booking.cancelled",
        "status": "free",
        "seat_ids": [3, 4],
        "reason": "expired",
        "held_until": None,
    }


def test_a_hold_or_its_extension_tells_until_when_the_seats_are_held_and_nothing_more() -> None:
    event = events_pb2.BookingEvent(
        event_id="e",
        booking_id="b",
        user_id=42,
        session_id=SESSION,
        seat_ids=[3],
        seat_map_version=13,
        expires_at=Timestamp(seconds=1_900_000_000),
        extensions=1,
    )
    message = json.loads(change(Topic.BOOKING_CREATED, event).text)
    assert message["status"] == "held"
    assert message["held_until"] == "2030-03-17T17:46:40Z"
    assert "42" not in change(Topic.BOOKING_CREATED, event).text
    assert not {"user_id", "booking_id"} & set(message)


def test_offering_to_a_full_inbox_refuses_and_marks_the_watcher_dropped() -> None:
    watcher = Watcher(SESSION, Snapshots(FakeSeatMaps().load), queue_size=1, reorder_grace=0)
    assert watcher.offer(changed(1))
    assert not watcher.offer(changed(2))
    assert watcher.dropped.is_set()


@dataclass
class FakeRecord:
    """What the consumer reads of a Kafka record."""

    topic_name: str
    session_id: int
    payload: bytes

    def topic(self) -> str:
        return self.topic_name

    def key(self) -> bytes:
        return str(self.session_id).encode()

    def value(self) -> bytes:
        return self.payload

    def error(self) -> None:
        return None

    def offset(self) -> int:
        return 0


def record(event_name: str, version: int, session_id: int = SESSION) -> FakeRecord:
    event = events_pb2.BookingEvent(
        session_id=session_id, seat_ids=[1], seat_map_version=version, user_id=5
    )
    return FakeRecord(f"run1.{event_name}", session_id, event.SerializeToString())


def consume(hub: LiveHub, records: list[FakeRecord]) -> list[tuple[int, int]]:
    seat_maps = SeatMapStore(hub.snapshots, hub.live)
    feed = BookingEventFeed(hub, KafkaSettings(kafka_topic_prefix="run1."), seat_maps)
    changes = feed.changes(cast(list[Message], records))
    return [(c.session_id, c.version) for c in changes]


async def test_a_batch_of_records_becomes_changes_in_version_order_per_watched_session() -> None:
    hub = hub_with(FakeSeatMaps())
    with hub.watch(SESSION), hub.watch(SESSION + 1):
        records = [
            record("booking.confirmed", 7),
            record("booking.created", 3, session_id=SESSION + 1),
            record("booking.created", 6),
        ]
        assert consume(hub, records) == [(SESSION, 6), (SESSION, 7), (SESSION + 1, 3)]


async def test_records_of_unwatched_sessions_and_undecodable_records_are_skipped() -> None:
    hub = hub_with(FakeSeatMaps())
    with hub.watch(SESSION):
        records = [
            record("booking.created", 4, session_id=SESSION + 1),
            FakeRecord("run1.booking.created", SESSION, b"\xff\xff not protobuf"),
            record("other.topic", 5),
            record("booking.cancelled", 6),
        ]
        assert consume(hub, records) == [(SESSION, 6)]


def watching() -> float:
    """What the gateway's `live_watchers` gauge says now."""
    value = REGISTRY.get_sample_value("live_watchers")
    assert value is not None
    return value


def test_the_watcher_gauge_counts_each_watcher_once_however_its_feed_ends() -> None:
    hub = hub_with(FakeSeatMaps(version=0), queue_size=1)
    before = watching()
    with hub.watch(SESSION), hub.watch(SESSION + 1) as slow:
        assert watching() == before + 2
        hub.publish([changed(1, session_id=SESSION + 1), changed(2, session_id=SESSION + 1)])
        assert slow.dropped.is_set()
        assert watching() == before + 1
        hub.close_all()
        assert watching() == before
    assert watching() == before
