"""Paying and cancelling with an Idempotency-Key: a retry after a lost answer gets that answer."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest

from tests.conftest import RunningStack
from tests.e2e.test_booking_race import all_at_once
from tests.e2e.test_bookings import Headers, Show, held, make_show
from tests.e2e.test_halls import assert_error
from tests.helpers import admin_token, bearer, new_user_token


@pytest.fixture
def admin(api: httpx.Client) -> Headers:
    return bearer(admin_token(api))


@pytest.fixture
def owner(api: httpx.Client) -> Headers:
    return bearer(new_user_token(api))


@pytest.fixture
def show(api: httpx.Client, admin: Headers) -> Show:
    return make_show(api, admin)


def act(
    api: httpx.Client, who: Headers, booking_id: str, action: str, key: str | None = None
) -> httpx.Response:
    headers = who | ({"Idempotency-Key": key} if key is not None else {})
    return api.post(f"/api/bookings/{booking_id}/{action}", headers=headers)


def fresh_key() -> str:
    return f"e2e-{uuid.uuid4()}"


@pytest.mark.parametrize("action", ["confirm", "cancel"])
def test_a_retry_with_the_same_key_answers_the_first_answer_again(
    api: httpx.Client, owner: Headers, show: Show, action: str
) -> None:
    booking = held(api, owner, show.session_id, show.seat_ids[:2])
    key = fresh_key()
    first = act(api, owner, booking["id"], action, key)
    assert first.status_code == 200, first.text
    again = act(api, owner, booking["id"], action, key)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()


def test_a_paid_booking_cancelled_later_still_replays_the_payment_as_it_was(
    api: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(api, owner, show.session_id, show.seat_ids[:1])
    key = fresh_key()
    paid = act(api, owner, booking["id"], "confirm", key)
    assert paid.status_code == 200, paid.text
    cancel_key = fresh_key()
    cancelled = act(api, owner, booking["id"], "cancel", cancel_key)
    assert cancelled.json()["status"] == "cancelled"
    replayed = act(api, owner, booking["id"], "confirm", key)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json() == paid.json()
    assert replayed.json()["status"] == "confirmed"
    assert act(api, owner, booking["id"], "cancel", cancel_key).json() == cancelled.json()


def test_without_a_key_a_second_confirm_is_still_409(
    api: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(api, owner, show.session_id, show.seat_ids[:1])
    assert act(api, owner, booking["id"], "confirm").status_code == 200
    assert_error(act(api, owner, booking["id"], "confirm"), 409, "booking_not_pending")


def test_a_key_reused_for_another_booking_or_action_is_422_and_changes_nothing(
    api: httpx.Client, owner: Headers, show: Show
) -> None:
    first = held(api, owner, show.session_id, show.seat_ids[:1])
    second = held(api, owner, show.session_id, show.seat_ids[1:2])
    key = fresh_key()
    assert act(api, owner, first["id"], "confirm", key).status_code == 200
    assert_error(act(api, owner, second["id"], "confirm", key), 422, "idempotency_key_reused")
    assert_error(act(api, owner, first["id"], "cancel", key), 422, "idempotency_key_reused")
    assert api.get(f"/api/bookings/{second['id']}", headers=owner).json()["status"] == "pending"
    assert api.get(f"/api/bookings/{first['id']}", headers=owner).json()["status"] == "confirmed"


def test_an_admin_cancelling_with_a_key_gets_the_same_answer_on_retry(
    api: httpx.Client, owner: Headers, admin: Headers, show: Show
) -> None:
    booking = held(api, owner, show.session_id, show.seat_ids[:1])
    key = fresh_key()
    first = act(api, admin, booking["id"], "cancel", key)
    assert first.status_code == 200, first.text
    assert first.json()["reason"] == "cancelled_by_admin"
    assert act(api, admin, booking["id"], "cancel", key).json() == first.json()


@pytest.mark.parametrize("action", ["confirm", "cancel"])
def test_an_idempotency_key_longer_than_255_characters_is_422(
    api: httpx.Client, owner: Headers, show: Show, action: str
) -> None:
    booking = held(api, owner, show.session_id, show.seat_ids[:1])
    assert_error(act(api, owner, booking["id"], action, "k" * 256), 422)
    assert api.get(f"/api/bookings/{booking['id']}", headers=owner).json()["status"] == "pending"


def test_concurrent_confirms_with_one_key_pay_once_and_answer_alike(
    api: httpx.Client,
    owner: Headers,
    show: Show,
    running_stack: RunningStack,
) -> None:
    booking = held(api, owner, show.session_id, show.seat_ids[:2])
    key = fresh_key()
    responses = all_at_once(10, lambda _: act(api, owner, booking["id"], "confirm", key))
    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    assert all(r.json() == responses[0].json() for r in responses)
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        confirmed_events = conn.execute(
            "SELECT count(*) FROM outbox WHERE topic LIKE '%%booking.confirmed' AND key = %s",
            (str(show.session_id),),
        ).fetchone()
    assert confirmed_events == (1,)
