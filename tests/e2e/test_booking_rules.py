"""Booking rules through the API: no hoarding a hall, no paying or refunding once it started."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from tests.conftest import RunningStack
from tests.e2e.test_booking_race import all_at_once
from tests.e2e.test_bookings import Headers, Show, held, hold, make_show, me, seat_statuses
from tests.e2e.test_halls import assert_error
from tests.helpers import admin_token, bearer, new_user_token

CUTOFF_MINUTES = 30


@pytest.fixture
def admin(api: httpx.Client) -> Headers:
    return bearer(admin_token(api))


@pytest.fixture
def user(api: httpx.Client) -> Headers:
    return bearer(new_user_token(api))


@pytest.fixture
def show(api: httpx.Client, admin: Headers) -> Show:
    return make_show(api, admin)


@pytest.fixture
def client(running_stack: RunningStack) -> httpx.Client:
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    return httpx.Client(base_url=running_stack.base_url, timeout=60.0, limits=limits)


def act(api: httpx.Client, who: Headers, booking_id: str, action: str) -> httpx.Response:
    return api.post(f"/api/bookings/{booking_id}/{action}", headers=who)


def held_in_database(running_stack: RunningStack, session_id: int, user_id: int) -> int:
    """Seats in the user's pending bookings of the session, read in booking_svc's database."""
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT count(*) FROM bookings b JOIN booking_seats s ON s.booking_id = b.id"
            " WHERE b.status = 'pending' AND b.session_id = %s AND b.user_id = %s",
            (session_id, user_id),
        ).fetchone()
    assert row is not None
    return int(row[0])


def wait_until(moment: datetime) -> None:
    while datetime.now(UTC) <= moment:
        time.sleep(0.1)


# -- at most BOOKING_MAX_SEATS_PER_USER (4) held seats per user and session -----------------------


def test_a_fifth_held_seat_is_409_hold_limit(api: httpx.Client, user: Headers, show: Show) -> None:
    seats = show.seat_ids
    first = held(api, user, show.session_id, seats[:2])
    held(api, user, show.session_id, seats[2:4])
    response = hold(api, user, show.session_id, seats[4:5])
    assert_error(response, 409, "hold_limit")
    assert response.json()["max_seats_per_user"] == 4
    assert seat_statuses(api, show.session_id)[seats[4]] == "free"
    held(api, bearer(new_user_token(api)), show.session_id, seats[4:8])
    assert act(api, user, first["id"], "cancel").status_code == 200
    held(api, user, show.session_id, seats[8:10])


def test_paid_seats_do_not_count_against_the_limit(
    api: httpx.Client, user: Headers, show: Show
) -> None:
    paid = held(api, user, show.session_id, show.seat_ids[:4])
    assert_error(hold(api, user, show.session_id, show.seat_ids[4:5]), 409, "hold_limit")
    assert act(api, user, paid["id"], "confirm").status_code == 200
    held(api, user, show.session_id, show.seat_ids[4:8])


def test_the_limit_is_per_session(api: httpx.Client, admin: Headers, user: Headers) -> None:
    one, two = make_show(api, admin), make_show(api, admin)
    held(api, user, one.session_id, one.seat_ids[:4])
    held(api, user, two.session_id, two.seat_ids[:4])


def test_thirty_concurrent_holds_by_one_user_give_exactly_four_seats(
    api: httpx.Client,
    client: httpx.Client,
    admin: Headers,
    user: Headers,
    running_stack: RunningStack,
) -> None:
    show = make_show(api, admin, rows=4, seats_per_row=10)
    responses = all_at_once(30, lambda i: hold(client, user, show.session_id, [show.seat_ids[i]]))
    assert Counter(r.status_code for r in responses) == {201: 4, 409: 26}
    for response in responses:
        if response.status_code == 409:
            assert_error(response, 409, "hold_limit")
    assert held_in_database(running_stack, show.session_id, me(api, user)) == 4
    statuses = seat_statuses(api, show.session_id)
    assert list(statuses.values()).count("held") == 4


# -- nothing paid once the session started, no customer refund after the cutoff -------------------


def test_once_the_session_started_a_hold_cannot_be_paid_nor_a_payment_refunded_by_its_owner(
    api: httpx.Client, admin: Headers, user: Headers
) -> None:
    show = make_show(api, admin, starts_in=timedelta(seconds=5))
    unpaid = held(api, user, show.session_id, show.seat_ids[:1])
    paid = held(api, user, show.session_id, show.seat_ids[1:2])
    assert act(api, user, paid["id"], "confirm").status_code == 200
    wait_until(show.starts_at)
    assert_error(act(api, user, unpaid["id"], "confirm"), 409, "session_started")
    refused = act(api, user, paid["id"], "cancel")
    assert_error(refused, 409, "session_started")
    assert refused.json()["cancel_cutoff_minutes"] == 0
    assert api.get(f"/api/bookings/{paid['id']}", headers=user).json()["status"] == "confirmed"
    by_admin = act(api, admin, paid["id"], "cancel")
    assert by_admin.status_code == 200, by_admin.text
    assert (by_admin.json()["payment_status"], by_admin.json()["reason"]) == (
        "refunded",
        "cancelled_by_admin",
    )
    released = act(api, user, unpaid["id"], "cancel")
    assert released.status_code == 200, released.text
    assert released.json()["payment_status"] == "void"


@pytest.fixture
def cancel_cutoff(running_stack: RunningStack) -> Iterator[None]:
    with running_stack.changed_for(
        "booking_svc", BOOKING_CANCEL_CUTOFF_MINUTES=str(CUTOFF_MINUTES)
    ):
        yield


def test_customers_cannot_cancel_a_paid_booking_within_the_cutoff(
    api: httpx.Client, admin: Headers, user: Headers, cancel_cutoff: None
) -> None:
    soon = make_show(api, admin, starts_in=timedelta(minutes=CUTOFF_MINUTES - 10))
    later = make_show(api, admin, starts_in=timedelta(minutes=CUTOFF_MINUTES + 10))
    bookings = [held(api, user, show.session_id, show.seat_ids[:1]) for show in (soon, later)]
    for booking in bookings:
        assert act(api, user, booking["id"], "confirm").status_code == 200
    within, before = bookings
    refused = act(api, user, within["id"], "cancel")
    assert_error(refused, 409, "session_started")
    assert refused.json()["cancel_cutoff_minutes"] == CUTOFF_MINUTES
    assert act(api, user, before["id"], "cancel").json()["payment_status"] == "refunded"
    assert act(api, admin, within["id"], "cancel").json()["payment_status"] == "refunded"
