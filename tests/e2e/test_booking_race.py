"""Many clients at once: no seat is ever in two live bookings, and retries with a key are safe."""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import httpx
import psycopg
import pytest

from tests.conftest import RunningStack
from tests.e2e.test_bookings import Headers, Show, hold, make_show
from tests.e2e.test_halls import assert_error
from tests.helpers import admin_token, bearer, new_user_token

T = TypeVar("T")


@pytest.fixture
def admin(api: httpx.Client) -> Headers:
    return bearer(admin_token(api))


def all_at_once(count: int, call: Callable[[int], T]) -> list[T]:
    """Runs call(0..count-1) in `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T:
        barrier.wait()
        return call(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def users(api: httpx.Client, count: int) -> list[Headers]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return [bearer(token) for token in pool.map(lambda _: new_user_token(api), range(count))]


def live_seat_doubles(running_stack: RunningStack) -> list[tuple[int, int, int]]:
    """(session, seat, live bookings) for every seat in more than one live booking."""
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT s.session_id, s.seat_id, count(*) FROM booking_seats s"
            " JOIN bookings b ON b.id = s.booking_id"
            " WHERE b.status IN ('pending', 'confirmed') AND s.released_at IS NULL"
            " GROUP BY s.session_id, s.seat_id HAVING count(*) > 1"
        ).fetchall()
    return [(int(a), int(b), int(c)) for a, b, c in rows]


@pytest.fixture
def client(running_stack: RunningStack) -> httpx.Client:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    return httpx.Client(base_url=running_stack.base_url, timeout=60.0, limits=limits)


def test_fifty_users_racing_for_the_same_two_seats_give_one_201_and_49_409(
    api: httpx.Client, client: httpx.Client, admin: Headers, running_stack: RunningStack
) -> None:
    show = make_show(api, admin)
    racers = users(api, 50)
    seats = show.seat_ids[3:5]
    responses = all_at_once(50, lambda i: hold(client, racers[i], show.session_id, seats))
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 1, 409: 49}, statuses
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "seats_taken")
            assert response.json()["seat_ids"] == sorted(seats)
    assert live_seat_doubles(running_stack) == []


def test_a_hundred_overlapping_random_holds_never_share_a_seat(
    api: httpx.Client, client: httpx.Client, admin: Headers, running_stack: RunningStack
) -> None:
    show: Show = make_show(api, admin, rows=3, seats_per_row=8)
    racers = users(api, 100)
    rng = random.Random(2024)
    wanted = [rng.sample(show.seat_ids, rng.randint(1, 4)) for _ in range(100)]
    responses = all_at_once(100, lambda i: hold(client, racers[i], show.session_id, wanted[i]))
    assert {r.status_code for r in responses} <= {201, 409}
    won = [seat["seat_id"] for r in responses if r.status_code == 201 for seat in r.json()["seats"]]
    assert len(won) == len(set(won))
    for response, seats in zip(responses, wanted, strict=True):
        if response.status_code == 409:
            taken = response.json()["seat_ids"]
            assert taken
            assert set(taken) <= set(seats) & set(won)
    assert live_seat_doubles(running_stack) == []
    statuses = {
        s["seat_id"]: s["status"] for s in api.get(f"/api/sessions/{show.session_id}/seats").json()
    }
    assert {seat for seat, status in statuses.items() if status == "held"} == set(won)


def test_ten_concurrent_retries_with_one_key_make_one_booking_and_equal_answers(
    api: httpx.Client, client: httpx.Client, admin: Headers, running_stack: RunningStack
) -> None:
    show = make_show(api, admin)
    user = bearer(new_user_token(api))
    seats = show.seat_ids[:2]
    responses = all_at_once(
        10, lambda _: hold(client, user, show.session_id, seats, key="pay-once-7f3a")
    )
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
    assert all(r.json() == responses[0].json() for r in responses)
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT count(*) FROM bookings WHERE idempotency_key = 'pay-once-7f3a'"
        ).fetchone()
    assert row == (1,)
    again = hold(api, user, show.session_id, list(reversed(seats)), key="pay-once-7f3a")
    assert again.status_code == 201
    assert again.json() == responses[0].json()


def test_the_same_key_with_another_body_is_422(api: httpx.Client, admin: Headers) -> None:
    show = make_show(api, admin)
    user = bearer(new_user_token(api))
    assert hold(api, user, show.session_id, show.seat_ids[:1], key="k-42").status_code == 201
    response = hold(api, user, show.session_id, show.seat_ids[1:2], key="k-42")
    assert_error(response, 422, "idempotency_key_reused")
