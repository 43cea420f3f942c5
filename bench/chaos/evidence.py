"""What the system holds after the run: booking rows, the outbox, the Kafka topics, seat maps."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import psycopg
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from bench.chaos.history import SeatMapView
from cinemapb.events.v1.events_pb2 import BookingEvent
from svckit.kafka import headers_dict
from svckit.vocabulary import BOOKING_TOPICS, Topic

VERSION_HEADER = "X-Seat-Map-Version"
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class StoredBooking:
    id: str
    session_id: int
    status: str
    payment_status: str
    expires_at: float
    """Seconds since the epoch."""
    seat_ids: tuple[int, ...]


@dataclass(frozen=True)
class BookingRecord:
    """A booking event, as queued in the outbox or as read from a topic (with its position)."""

    topic: Topic
    event_id: str
    booking_id: str
    session_id: int
    version: int
    partition: int = 0
    offset: int = 0


@dataclass(frozen=True)
class Evidence:
    bookings: list[StoredBooking]
    outbox: list[BookingRecord]
    unpublished: int
    kafka: list[BookingRecord]
    rest_maps: dict[int, SeatMapView]
    db_now: float
    """The database's clock when the rows were read, seconds since the epoch."""


BOOKINGS_SQL = """
SELECT b.id::text, b.session_id, b.status, b.payment_status, extract(epoch FROM b.expires_at),
       coalesce(array_agg(s.seat_id ORDER BY s.seat_id) FILTER (WHERE s.seat_id IS NOT NULL),
                '{}')
FROM bookings b LEFT JOIN booking_seats s ON s.booking_id = b.id AND s.released_at IS NULL
GROUP BY b.id
"""


def read_bookings(dsn: str) -> tuple[list[StoredBooking], float]:
    """Every booking with its seats, and the database's clock."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(BOOKINGS_SQL).fetchall()
        clock = conn.execute("SELECT extract(epoch FROM now())").fetchone()
    bookings = [
        StoredBooking(str(id_), int(session), status, payment, float(expires), tuple(seats))
        for id_, session, status, payment, expires, seats in rows
    ]
    return bookings, float(clock[0]) if clock else 0.0


def read_outbox(dsn: str, prefix: str) -> tuple[list[BookingRecord], int]:
    """The booking events every committed change queued, and how many are not yet published."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT event_id::text, topic, payload, published_at IS NULL FROM outbox ORDER BY id"
        ).fetchall()
    records = []
    for event_id, topic, payload, _ in rows:
        kind = _booking_topic(str(topic), prefix)
        if kind is not None:
            records.append(_decode(kind, str(event_id), bytes(payload)))
    return records, sum(1 for *_, unpublished in rows if unpublished)


def unpublished_count(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()
    return int(row[0]) if row else 0


def read_topics(bootstrap: str, prefix: str) -> list[BookingRecord]:
    """Every record of the booking topics, from the first offset to the end of each partition."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"chaos-checker-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
        }
    )
    try:
        metadata = consumer.list_topics(timeout=10).topics
        ends: dict[tuple[str, int], int] = {}
        for topic in BOOKING_TOPICS:
            name = prefix + topic
            for partition in metadata[name].partitions:
                low, high = consumer.get_watermark_offsets(
                    TopicPartition(name, partition), timeout=10
                )
                if high > low:
                    ends[(name, partition)] = high
        consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t, p in ends])
        records = []
        while ends:
            message = consumer.poll(POLL_SECONDS)
            if message is None or message.error() is not None:
                continue
            name, partition, offset = message.topic() or "", message.partition(), message.offset()
            kind = _booking_topic(name, prefix)
            value = message.value()
            if kind is not None and value is not None and partition is not None:
                event_id = headers_dict(message).get("ce_id", "")
                record = _decode(kind, event_id, value)
                records.append(
                    BookingRecord(
                        kind,
                        event_id,
                        record.booking_id,
                        record.session_id,
                        record.version,
                        partition,
                        offset or 0,
                    )
                )
            if offset is not None and offset + 1 >= ends.get((name, partition or 0), 0):
                ends.pop((name, partition or 0), None)
        return records
    finally:
        consumer.close()


async def read_seat_map(http: httpx.AsyncClient, session_id: int) -> SeatMapView:
    response = await http.get(f"/api/sessions/{session_id}/seats")
    response.raise_for_status()
    return SeatMapView(
        int(response.headers[VERSION_HEADER]),
        {int(seat["seat_id"]): str(seat["status"]) for seat in response.json()},
    )


def _booking_topic(name: str, prefix: str) -> Topic | None:
    bare = name.removeprefix(prefix)
    return next((topic for topic in BOOKING_TOPICS if topic == bare), None)


def _decode(topic: Topic, event_id: str, payload: bytes) -> BookingRecord:
    event = BookingEvent.FromString(payload)
    return BookingRecord(
        topic, event_id, event.booking_id, event.session_id, event.seat_map_version
    )
