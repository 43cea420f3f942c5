"""The gateway's seat-map store with a fake booking_svc and a fake clock: version order, gaps,
session changes, eviction, rendering once per version; and the feed's records reaching it."""

from __future__ import annotations

import asyncio
import json
from typing import Any, cast

import pytest
from confluent_kafka import Message
from google.protobuf.timestamp_pb2 import Timestamp

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.events.v1 import events_pb2
from gateway.live import seatmaps
from gateway.live.consumer import BookingEventFeed
from gateway.live.hub import LiveHub, SessionNotFound, Snapshots
from gateway.live.protocol import Change, Snapshot, change, snapshot
from gateway.live.seatmaps import SeatMapStore
from svckit.settings import KafkaSettings
from svckit.vocabulary import Topic
from tests.helpers import ManualClock

SESSION = 7
SEATS = (1, 2, 3, 4)
GRACE = 0.1
SETTLE = 2.0
HELD_UNTIL = Timestamp(seconds=1_900_000_000)


class BookingSvc:
    """booking_svc's seat maps: every seat free at `version` at `price_cents`; counts loads."""

    def __init__(self, version: int = 5) -> None:
        self.version = version
        self.price_cents = 1250
        self.loads = 0

    async def load(self, session_id: int) -> Snapshot:
        self.loads += 1
        if session_id > 100:
            raise SessionNotFound(session_id)
        seats = [
            booking_pb2.SeatState(
                seat_id=seat_id,
                row=1,
                number=seat_id,
                type=cinema_pb2.SEAT_TYPE_STANDARD,
                price_cents=self.price_cents,
                status=booking_pb2.SEAT_STATUS_FREE,
            )
            for seat_id in SEATS
        ]
        return snapshot(
            booking_pb2.SeatMap(session_id=session_id, version=self.version, seats=seats)
        )


def held(version: int, *seat_ids: int, session_id: int = SESSION) -> Change:
    event = events_pb2.BookingEvent(
        session_id=session_id,
        seat_ids=seat_ids,
        seat_map_version=version,
        expires_at=HELD_UNTIL,
    )
    return change(Topic.BOOKING_CREATED, event)


def freed(version: int, *seat_ids: int) -> Change:
    event = events_pb2.BookingEvent(session_id=SESSION, seat_ids=seat_ids, seat_map_version=version)
    return change(Topic.BOOKING_CANCELLED, event)


@pytest.fixture
def booking_svc() -> BookingSvc:
    return BookingSvc()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(booking_svc: BookingSvc, clock: ManualClock, feed_live: asyncio.Event) -> SeatMapStore:
    return SeatMapStore(
        Snapshots(booking_svc.load),
        feed_live,
        max_sessions=3,
        idle_seconds=600,
        reorder_grace=GRACE,
        settle_seconds=SETTLE,
        clock=clock,
    )


def statuses(body: bytes) -> dict[int, tuple[str, str | None]]:
    return {seat["seat_id"]: (seat["status"], seat["held_until"]) for seat in json.loads(body)}


async def test_the_first_read_loads_and_later_reads_come_from_memory(
    store: SeatMapStore, booking_svc: BookingSvc
) -> None:
    first = await store.read(SESSION)
    second = await store.read(SESSION)
    assert (first.loaded, second.loaded) == (True, False)
    assert booking_svc.loads == 1
    assert second.seat_map.version == 5
    assert json.loads(second.seat_map.body) == [
        {
            "seat_id": seat_id,
            "row": 1,
            "number": seat_id,
            "type": "standard",
            "price": 12.5,
            "status": "free",
            "held_until": None,
        }
        for seat_id in SEATS
    ]


async def test_changes_in_version_order_update_the_kept_map(
    store: SeatMapStore, booking_svc: BookingSvc
) -> None:
    await store.read(SESSION)
    store.apply([held(6, 1, 2), freed(7, 2)])
    read = await store.read(SESSION)
    assert not read.loaded
    assert read.seat_map.version == 7
    assert statuses(read.seat_map.body) == {
        1: ("held", "2030-03-17T17:46:40Z"),
        2: ("free", None),
        3: ("free", None),
        4: ("free", None),
    }
    assert booking_svc.loads == 1


async def test_a_change_ahead_of_a_missing_one_waits_for_it(
    store: SeatMapStore, booking_svc: BookingSvc, clock: ManualClock
) -> None:
    await store.read(SESSION)
    store.apply([held(7, 3)])
    clock.now += GRACE / 2
    waiting = await store.read(SESSION)
    assert (waiting.loaded, waiting.seat_map.version) == (False, 5)
    store.apply([held(6, 1)])
    read = await store.read(SESSION)
    assert (read.loaded, read.seat_map.version) == (False, 7)
    assert statuses(read.seat_map.body)[1][0] == statuses(read.seat_map.body)[3][0] == "held"
    assert booking_svc.loads == 1


async def test_a_gap_that_does_not_fill_drops_the_map_and_the_next_read_loads(
    store: SeatMapStore, booking_svc: BookingSvc, clock: ManualClock
) -> None:
    await store.read(SESSION)
    store.apply([held(7, 3)])
    clock.now += GRACE * 2
    booking_svc.version = 9
    read = await store.read(SESSION)
    assert (read.loaded, read.seat_map.version) == (True, 9)
    assert booking_svc.loads == 2
    store.apply([held(10, 4)])
    assert (await store.read(SESSION)).seat_map.version == 10


async def test_changes_during_a_load_are_applied_after_it(
    store: SeatMapStore, booking_svc: BookingSvc
) -> None:
    reading = asyncio.create_task(store.read(SESSION))
    await asyncio.sleep(0)
    assert store.keeps(SESSION)
    store.apply([held(6, 1)])
    assert (await reading).seat_map.version == 6
    assert not (await store.read(SESSION)).loaded


async def test_a_session_change_drops_the_map_and_reads_settle_before_one_is_kept(
    store: SeatMapStore, booking_svc: BookingSvc, clock: ManualClock
) -> None:
    await store.read(SESSION)
    booking_svc.price_cents = 1500
    store.session_changed([SESSION])
    first = await store.read(SESSION)
    second = await store.read(SESSION)
    assert first.loaded
    assert second.loaded
    assert json.loads(second.seat_map.body)[0]["price"] == 15.0
    clock.now += SETTLE
    assert (await store.read(SESSION)).loaded
    assert not (await store.read(SESSION)).loaded
    assert booking_svc.loads == 4


async def test_readers_of_one_load_that_is_not_kept_share_one_rendering(
    store: SeatMapStore, booking_svc: BookingSvc
) -> None:
    store.session_changed([SESSION])
    first, second = await asyncio.gather(store.read(SESSION), store.read(SESSION))
    assert first.loaded
    assert first.seat_map is second.seat_map
    assert booking_svc.loads == 1


async def test_the_same_content_at_the_same_version_has_the_same_etag_and_new_prices_not(
    store: SeatMapStore, booking_svc: BookingSvc
) -> None:
    before = (await store.read(SESSION)).seat_map
    store.forget_all()
    again = (await store.read(SESSION)).seat_map
    booking_svc.price_cents = 1500
    store.forget_all()
    repriced = (await store.read(SESSION)).seat_map
    assert before.etag == again.etag
    assert before.etag.startswith('"5-')
    assert before.etag.endswith('"')
    assert repriced.version == before.version
    assert repriced.etag != before.etag


async def test_a_reader_that_saw_a_newer_version_gets_a_load(
    store: SeatMapStore, booking_svc: BookingSvc
) -> None:
    await store.read(SESSION)
    booking_svc.version = 6
    read = await store.read(SESSION, min_version=6)
    assert (read.loaded, read.seat_map.version) == (True, 6)
    assert not (await store.read(SESSION, min_version=6)).loaded


async def test_the_least_recently_read_and_idle_maps_are_forgotten(
    store: SeatMapStore, clock: ManualClock
) -> None:
    for session_id in (1, 2, 3):
        await store.read(session_id)
    await store.read(1)
    await store.read(4)
    assert [store.keeps(s) for s in (1, 2, 3, 4)] == [True, False, True, True]
    clock.now += 601
    await store.read(5)
    assert len(store) == 1
    assert store.keeps(5)


async def test_an_unknown_session_is_not_found_and_takes_no_place(store: SeatMapStore) -> None:
    with pytest.raises(SessionNotFound):
        await store.read(101)
    assert not store.keeps(101)


async def test_while_the_feed_is_down_every_read_loads_and_nothing_is_kept(
    store: SeatMapStore, booking_svc: BookingSvc, feed_live: asyncio.Event
) -> None:
    feed_live.clear()
    assert (await store.read(SESSION)).loaded
    assert (await store.read(SESSION)).loaded
    assert not store.keeps(SESSION)
    assert booking_svc.loads == 2


async def test_each_version_is_rendered_once_and_only_changed_seats_again(
    store: SeatMapStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[int] = []
    seat_json = seatmaps.seat_json

    def counting(seat: dict[str, Any]) -> bytes:
        rendered.append(seat["seat_id"])
        return seat_json(seat)

    monkeypatch.setattr(seatmaps, "seat_json", counting)
    await store.read(SESSION)
    first = (await store.read(SESSION)).seat_map
    assert (await store.read(SESSION)).seat_map is first
    assert sorted(rendered) == list(SEATS)
    rendered.clear()
    store.apply([held(6, 2)])
    second = (await store.read(SESSION)).seat_map
    assert (await store.read(SESSION)).seat_map is second
    assert rendered == [2]


class Record:
    """A Kafka record as the consumer reads it."""

    def __init__(self, topic: str, session_id: int, value: bytes) -> None:
        self._topic, self._key, self._value = topic, str(session_id).encode(), value

    def topic(self) -> str:
        return self._topic

    def key(self) -> bytes:
        return self._key

    def value(self) -> bytes:
        return self._value

    def error(self) -> None:
        return None

    def offset(self) -> int:
        return 0


def booking_record(version: int, session_id: int = SESSION) -> Record:
    event = events_pb2.BookingEvent(session_id=session_id, seat_ids=[1], seat_map_version=version)
    return Record("run1.booking.created", session_id, event.SerializeToString())


def session_changed_record(session_id: int = SESSION) -> Record:
    event = events_pb2.SessionChanged(session=cinema_pb2.Session(id=session_id))
    return Record("run1.cinema.session-changed", session_id, event.SerializeToString())


def feed_of(store: SeatMapStore) -> BookingEventFeed:
    hub = LiveHub(store.snapshots)
    return BookingEventFeed(hub, KafkaSettings(kafka_topic_prefix="run1."), store)


async def test_the_feed_decodes_the_kept_sessions_records_though_nobody_watches(
    store: SeatMapStore,
) -> None:
    await store.read(SESSION)
    records = [booking_record(6), booking_record(3, session_id=SESSION + 1)]
    feed_of(store).hand_over(cast(list[Message], records))
    read = await store.read(SESSION)
    assert (read.loaded, read.seat_map.version) == (False, 6)
    assert statuses(read.seat_map.body)[1][0] == "held"


async def test_the_feed_drops_the_map_of_a_changed_session(
    store: SeatMapStore, booking_svc: BookingSvc
) -> None:
    await store.read(SESSION)
    await store.read(SESSION + 1)
    feed_of(store).hand_over(cast(list[Message], [session_changed_record()]))
    assert not store.keeps(SESSION)
    assert store.keeps(SESSION + 1)


async def test_a_schedule_write_told_by_the_catalogue_cache_drops_every_map(
    store: SeatMapStore, booking_svc: BookingSvc
) -> None:
    await store.read(SESSION)
    store.forget_on_schedule_write("movies")
    assert not (await store.read(SESSION)).loaded
    store.forget_on_schedule_write("sessions")
    assert (await store.read(SESSION)).loaded
    assert booking_svc.loads == 2
