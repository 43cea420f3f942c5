"""The booking state machine through the API: what each status allows, and who may act."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.e2e.test_bookings import Headers, Show, held, make_show
from tests.e2e.test_halls import assert_error
from tests.helpers import admin_token, bearer, new_user_token, poll


@pytest.fixture
def admin(api: httpx.Client) -> Headers:
    return bearer(admin_token(api))


@pytest.fixture
def owner(api: httpx.Client) -> Headers:
    return bearer(new_user_token(api))


@pytest.fixture
def show(api: httpx.Client, admin: Headers) -> Show:
    return make_show(api, admin)


def act(api: httpx.Client, who: Headers, booking_id: str, action: str) -> httpx.Response:
    return api.post(f"/api/bookings/{booking_id}/{action}", headers=who)


@pytest.mark.parametrize(
    ("first", "then", "code"),
    [
        ("confirm", "confirm", "booking_not_pending"),
        ("cancel", "cancel", "booking_not_cancellable"),
        ("cancel", "confirm", "booking_not_pending"),
    ],
)
def test_an_action_the_status_does_not_allow_is_409(
    api: httpx.Client, owner: Headers, show: Show, first: str, then: str, code: str
) -> None:
    booking = held(api, owner, show.session_id, show.seat_ids[:1])
    assert act(api, owner, booking["id"], first).status_code == 200
    assert_error(act(api, owner, booking["id"], then), 409, code)


def test_a_confirmed_booking_can_be_cancelled_once(
    api: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(api, owner, show.session_id, show.seat_ids[:1])
    assert act(api, owner, booking["id"], "confirm").status_code == 200
    assert act(api, owner, booking["id"], "cancel").json()["status"] == "cancelled"
    assert_error(act(api, owner, booking["id"], "cancel"), 409, "booking_not_cancellable")


def test_another_users_booking_is_404_for_every_action(
    api: httpx.Client, owner: Headers, show: Show
) -> None:
    booking = held(api, owner, show.session_id, show.seat_ids[:1])
    stranger = bearer(new_user_token(api))
    assert_error(api.get(f"/api/bookings/{booking['id']}", headers=stranger), 404)
    for action in ("confirm", "cancel"):
        assert_error(act(api, stranger, booking["id"], action), 404, "booking_not_found")
    assert api.get(f"/api/bookings/{booking['id']}", headers=owner).json()["status"] == "pending"
    assert booking["id"] not in {
        b["id"] for b in api.get("/api/bookings", headers=stranger).json()["items"]
    }


def test_an_admin_sees_and_cancels_anyones_booking_but_cannot_pay_for_it(
    api: httpx.Client, admin: Headers, owner: Headers, show: Show
) -> None:
    booking = held(api, owner, show.session_id, show.seat_ids[:1])
    assert api.get(f"/api/bookings/{booking['id']}", headers=admin).status_code == 200
    assert_error(act(api, admin, booking["id"], "confirm"), 404, "booking_not_found")
    cancelled = act(api, admin, booking["id"], "cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["reason"]) == (
        "cancelled",
        "cancelled_by_admin",
    )
    assert api.get(f"/api/bookings/{booking['id']}", headers=owner).json()["status"] == "cancelled"


def test_when_the_session_is_over_a_paid_booking_finishes_and_a_hold_expires(
    api: httpx.Client, admin: Headers, owner: Headers
) -> None:
    show = make_show(api, admin, starts_in=timedelta(seconds=3), length=timedelta(seconds=2))
    paid = held(api, owner, show.session_id, show.seat_ids[:1])
    unpaid = held(api, owner, show.session_id, show.seat_ids[1:2])
    assert act(api, owner, paid["id"], "confirm").status_code == 200

    def status(booking: dict[str, str]) -> str:
        return str(api.get(f"/api/bookings/{booking['id']}", headers=owner).json()["status"])

    assert poll(lambda: status(paid) == "finished" and status(unpaid) == "expired", 20)
    finished = api.get(f"/api/bookings/{paid['id']}", headers=owner).json()
    assert finished["payment_status"] == "paid"
    assert_error(act(api, owner, paid["id"], "cancel"), 409, "booking_not_cancellable")
    assert_error(act(api, owner, unpaid["id"], "confirm"), 409, "hold_expired")
