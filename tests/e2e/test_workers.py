"""GATEWAY_WORKERS=2 and BOOKING_SVC_WORKERS=2: both workers of each answer, one seat has one
winner, a hold expires exactly once, and watchers on either gateway worker see every change."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import psycopg
import pytest
from websockets.sync.client import ClientConnection

from cinemapb.events.v1 import events_pb2
from tests.conftest import RunningStack
from tests.e2e.test_booking_race import all_at_once, users
from tests.e2e.test_bookings import hold, make_show, seat_statuses
from tests.e2e.test_live_feed import receive, watching
from tests.helpers import admin_token, bearer

HOLD_SECONDS = 2
RACERS = 20
WATCHERS = 8
WORKERS = {"GATEWAY_WORKERS": "2", "BOOKING_SVC_WORKERS": "2"}


@pytest.fixture(scope="module")
def workers(running_stack: RunningStack) -> Iterator[RunningStack]:
    """booking_svc and the gateway as two workers each (booking_svc with short holds)."""
    with running_stack.changed_for(
        "booking_svc", "gateway", **WORKERS, BOOKING_HOLD_SECONDS=str(HOLD_SECONDS)
    ):
        yield running_stack


def samples(stack: RunningStack, process: str, name: str) -> dict[str, float]:
    """One metric's samples from a process's (merged) metrics endpoint: labels -> value."""
    port = stack.env[f"{process.upper()}_METRICS_PORT"]
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    pattern = re.compile(rf"^{name}\{{(.*)\}} (\S+)$")
    return {m[1]: float(m[2]) for line in text.splitlines() if (m := pattern.match(line))}


def test_both_workers_of_the_gateway_and_of_booking_svc_answer(workers: RunningStack) -> None:
    for _ in range(30):  # a new connection each, as many clients would; each checks every service
        response = httpx.get(f"{workers.base_url}/healthz", headers={"connection": "close"})
        assert response.status_code == 200, response.text
    accepted = samples(workers, "gateway", "http_worker_connections_total")
    assert set(accepted) == {'worker="0"', 'worker="1"'}, accepted
    assert min(accepted.values()) > 0, accepted
    lag = samples(workers, "gateway", "kafka_consumer_lag")  # what `make bench` waits on
    live = {labels for labels in lag if 'consumer="gateway.live"' in labels}
    assert len({re.sub(r',?topic="[^"]*"', "", labels) for labels in live}) == 2, lag
    answered = samples(workers, "booking_svc", "grpc_server_worker_calls_total")
    assert set(answered) == {'worker="0"', 'worker="1"'}, answered
    assert min(answered.values()) > 0, answered


def test_one_winner_per_seat_holds_expire_once_and_every_watcher_sees_every_change(
    api: httpx.Client, workers: RunningStack
) -> None:
    admin = bearer(admin_token(api))
    show = make_show(api, admin)
    racers = users(api, RACERS)
    limits = httpx.Limits(max_connections=RACERS, max_keepalive_connections=RACERS)
    with (
        httpx.Client(base_url=workers.base_url, timeout=60.0, limits=limits) as client,
        ExitStack() as stack,
    ):
        feeds = [
            stack.enter_context(watching(workers.base_url, show.session_id))
            for _ in range(WATCHERS)
        ]
        first = {receive(feed)["version"] for feed in feeds}
        assert len(first) == 1
        watched = samples(workers, "gateway", "live_watchers")
        assert len([v for v in watched.values() if v > 0]) == 2, f"one worker has all: {watched}"

        contested = show.seat_ids[:2]
        race = all_at_once(RACERS, lambda i: hold(client, racers[i], show.session_id, contested))
        assert Counter(r.status_code for r in race) == {201: 1, 409: RACERS - 1}
        singles = show.seat_ids[2:]
        others = all_at_once(
            len(singles), lambda i: hold(client, racers[i], show.session_id, [singles[i]])
        )
        assert [r.status_code for r in others] == [201] * len(singles)
        booked = {r.json()["id"] for r in [*race, *others] if r.status_code == 201}

        expired = wait_until_expired(workers, show.session_id, len(booked))
        assert expired == booked
        assert seats_in_bookings(workers, show.session_id) == dict.fromkeys(show.seat_ids, 1)
        assert cancellations_in_outbox(workers, show.session_id) == dict.fromkeys(booked, 1)

        final = int(api.get(f"/api/sessions/{show.session_id}/seats").headers["X-Seat-Map-Version"])
        heard = [changes_until(feed, final) for feed in feeds]
    assert all(changes == heard[0] for changes in heard), "watchers saw different histories"
    held = [
        seat for change in heard[0] if change["status"] == "held" for seat in change["seat_ids"]
    ]
    freed = [
        seat for change in heard[0] if change["status"] == "free" for seat in change["seat_ids"]
    ]
    assert sorted(held) == sorted(freed) == sorted(show.seat_ids)
    assert set(seat_statuses(api, show.session_id).values()) == {"free"}


def wait_until_expired(stack: RunningStack, session_id: int, count: int) -> set[str]:
    """The ids of the session's expired bookings, once `count` of them are and none is pending."""
    deadline = time.monotonic() + HOLD_SECONDS + 20
    with psycopg.connect(stack.env["BOOKING_DATABASE_URL"], autocommit=True) as conn:
        while True:
            rows = conn.execute(
                "SELECT id::text, status FROM bookings WHERE session_id = %s", (session_id,)
            ).fetchall()
            expired = {row[0] for row in rows if row[1] == "expired"}
            if (len(expired) == count and len(rows) == count) or time.monotonic() > deadline:
                return expired
            time.sleep(0.2)


def seats_in_bookings(stack: RunningStack, session_id: int) -> dict[int, int]:
    """Seat -> how many bookings of the session ever had it."""
    with psycopg.connect(stack.env["BOOKING_DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT seat_id, count(DISTINCT booking_id) FROM booking_seats"
            " WHERE session_id = %s GROUP BY seat_id",
            (session_id,),
        ).fetchall()
    return {int(seat): int(count) for seat, count in rows}


def cancellations_in_outbox(stack: RunningStack, session_id: int) -> dict[str, int]:
    """Booking id -> booking.cancelled events the session's outbox rows carry for it."""
    with psycopg.connect(stack.env["BOOKING_DATABASE_URL"]) as conn:
        payloads = conn.execute(
            "SELECT payload FROM outbox WHERE topic = %s AND key = %s",
            (stack.topic_prefix + "booking.cancelled", str(session_id)),
        ).fetchall()
    events = [events_pb2.BookingEvent.FromString(bytes(row[0])) for row in payloads]
    return dict(Counter(event.booking_id for event in events))


def changes_until(feed: ClientConnection, version: int) -> list[dict[str, Any]]:
    """The changes a watcher receives up to `version`; each must follow the last (no gap)."""
    found: list[dict[str, Any]] = []
    while not found or found[-1]["version"] < version:
        message = receive(feed)
        assert message["type"] == "change", f"a watcher missed a change: {message}"
        assert not found or message["version"] == found[-1]["version"] + 1, message
        found.append(message)
    return found
