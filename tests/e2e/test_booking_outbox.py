"""The outbox: bookings go on while Kafka is unreachable, and every event arrives afterwards.

Kafka is made unreachable for booking_svc alone, by restarting it with a broker address that
refuses connections, so the shared local broker keeps serving every other process.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict

import httpx
import psycopg

from cinemapb.events.v1 import events_pb2
from svckit.kafka import headers_dict, make_consumer
from tests.conftest import RunningStack
from tests.e2e.test_bookings import held, make_show
from tests.helpers import admin_token, bearer, new_user_token

UNREACHABLE_KAFKA = "127.0.0.1:1"
TOPICS = ("booking.created", "booking.confirmed", "booking.cancelled")


def outbox_rows(running_stack: RunningStack, sessions: list[int]) -> list[tuple[str, str, bool]]:
    """(event id, key, published) of the outbox rows of these sessions, in outbox order."""
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT event_id, key, published_at IS NOT NULL FROM outbox"
            " WHERE key = ANY(%s) ORDER BY id",
            ([str(s) for s in sessions],),
        ).fetchall()
    return [(str(event_id), key, published) for event_id, key, published in rows]


def test_events_written_while_kafka_is_unreachable_all_arrive_in_order_once_it_is_back(
    api: httpx.Client, running_stack: RunningStack
) -> None:
    admin = bearer(admin_token(api))
    shows = [make_show(api, admin) for _ in range(3)]
    users = [bearer(new_user_token(api)) for _ in range(2)]
    sessions = [show.session_id for show in shows]

    running_stack.restart("booking_svc", KAFKA_BOOTSTRAP_SERVERS=UNREACHABLE_KAFKA)
    try:
        for show in shows:
            first = held(api, users[0], show.session_id, show.seat_ids[:2])
            second = held(api, users[1], show.session_id, show.seat_ids[2:4])
            assert api.post(f"/api/bookings/{first['id']}/confirm", headers=users[0]).is_success
            assert api.post(f"/api/bookings/{second['id']}/cancel", headers=users[1]).is_success
            held(api, users[1], show.session_id, show.seat_ids[2:3])
        written = outbox_rows(running_stack, sessions)
        assert len(written) == 5 * len(shows)
        assert not any(published for _, _, published in written)
    finally:
        running_stack.restart("booking_svc")

    expected = {event_id: key for event_id, key, _ in written}
    consumer = make_consumer(running_stack.env["KAFKA_BOOTSTRAP_SERVERS"], f"outbox-{uuid.uuid4()}")
    consumer.subscribe([running_stack.topic_prefix + topic for topic in TOPICS])
    seen: dict[str, events_pb2.BookingEvent] = {}
    versions: dict[tuple[str, str], list[int]] = defaultdict(list)
    deadline = time.monotonic() + 60
    try:
        while set(seen) < set(expected) and time.monotonic() < deadline:
            record = consumer.poll(0.5)
            if record is None or record.error() is not None:
                continue
            headers = headers_dict(record)
            if headers.get("ce_id") not in expected:
                continue
            event = events_pb2.BookingEvent.FromString(record.value() or b"")
            key = (record.key() or b"").decode()
            assert key == expected[headers["ce_id"]] == str(event.session_id)
            assert record.topic() == running_stack.topic_prefix + headers["ce_type"]
            assert headers["ce_source"] == "booking_svc"
            assert headers["ce_specversion"] == "1.0"
            assert headers["content-type"] == "application/protobuf"
            assert event.event_id == headers["ce_id"]
            if headers["ce_id"] not in seen:
                seen[headers["ce_id"]] = event
                versions[(record.topic() or "", key)].append(event.seat_map_version)
    finally:
        consumer.close()

    assert set(seen) == set(expected), f"{len(set(expected) - set(seen))} events never arrived"
    for (topic, key), order in versions.items():
        assert order == sorted(set(order)), f"{topic} / session {key} out of order: {order}"
    for session in sessions:
        per_session = sorted(e.seat_map_version for e in seen.values() if e.session_id == session)
        assert per_session == [1, 2, 3, 4, 5]
    assert all(published for _, _, published in outbox_rows(running_stack, sessions))
