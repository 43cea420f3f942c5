"""Unpaid holds release their seats, and say so on Kafka, within a second of their deadline."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from confluent_kafka import Consumer

from cinemapb.booking.v1 import booking_pb2
from cinemapb.events.v1 import events_pb2
from svckit.kafka import make_consumer
from tests.conftest import RunningStack
from tests.e2e.test_bookings import Headers, held, make_show, seat_statuses
from tests.e2e.test_halls import assert_error
from tests.helpers import admin_token, bearer, new_user_token

HOLD_SECONDS = 2
RELEASE_WITHIN = timedelta(seconds=1)


@pytest.fixture
def short_holds(running_stack: RunningStack) -> Iterator[None]:
    with running_stack.changed_for("booking_svc", BOOKING_HOLD_SECONDS=str(HOLD_SECONDS)):
        yield


@pytest.fixture
def cancellations(running_stack: RunningStack) -> Iterator[Consumer]:
    """A consumer of booking.cancelled, assigned its partitions before the test books."""
    consumer = make_consumer(running_stack.env["KAFKA_BOOTSTRAP_SERVERS"], f"expiry-{uuid.uuid4()}")
    consumer.subscribe([running_stack.topic_prefix + "booking.cancelled"])
    deadline = time.monotonic() + 30
    while not consumer.assignment():
        assert time.monotonic() < deadline, "no partitions assigned"
        consumer.poll(0.2)
    yield consumer
    consumer.close()


def now() -> datetime:
    return datetime.now(UTC)


def test_holds_are_released_and_announced_within_a_second_of_their_deadline(
    api: httpx.Client, short_holds: None, cancellations: Consumer
) -> None:
    """Measured by the server's own clocks (the booking's update time, the record's create
    time), so a slow test client cannot blur the measurement."""
    admin = bearer(admin_token(api))
    user: Headers = bearer(new_user_token(api))
    show = make_show(api, admin)
    bookings = []
    for seat in show.seat_ids[:3]:
        bookings.append(held(api, user, show.session_id, [seat]))
        time.sleep(0.3)
    deadlines = {b["id"]: datetime.fromisoformat(b["expires_at"]) for b in bookings}
    assert all(d - now() < timedelta(seconds=HOLD_SECONDS + 1) for d in deadlines.values())

    published: dict[str, tuple[events_pb2.BookingEvent, datetime]] = {}
    give_up = max(deadlines.values()) + timedelta(seconds=15)
    while len(published) < len(bookings) and now() < give_up:
        record = cancellations.poll(0.2)
        if record is None or record.error() is not None:
            continue
        event = events_pb2.BookingEvent.FromString(record.value() or b"")
        if event.booking_id in deadlines:
            _, created_ms = record.timestamp()
            published[event.booking_id] = (event, datetime.fromtimestamp(created_ms / 1000, UTC))

    statuses = seat_statuses(api, show.session_id)
    for booking in bookings:
        deadline = deadlines[booking["id"]]
        seat = booking["seats"][0]["seat_id"]
        assert statuses[seat] == "free"
        expired = api.get(f"/api/bookings/{booking['id']}", headers=user).json()
        assert (expired["status"], expired["payment_status"], expired["reason"]) == (
            "expired",
            "void",
            "expired",
        )
        released_at = datetime.fromisoformat(expired["updated_at"])
        assert deadline <= released_at <= deadline + RELEASE_WITHIN, released_at - deadline
        assert booking["id"] in published, "no booking.cancelled event for an expired hold"
        event, published_at = published[booking["id"]]
        assert published_at <= deadline + RELEASE_WITHIN, published_at - deadline
        assert event.reason == events_pb2.CANCEL_REASON_EXPIRED
        assert event.status == booking_pb2.BOOKING_STATUS_EXPIRED
        assert list(event.seat_ids) == [seat]
        assert event.user_id == booking["user_id"]

    late = api.post(f"/api/bookings/{bookings[0]['id']}/confirm", headers=user)
    assert_error(late, 409, "hold_expired")
