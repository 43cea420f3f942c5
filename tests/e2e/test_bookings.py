"""Booking journeys through the gateway: hold, seat map, pay, cancel, list, and the errors."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.test_halls import assert_error, create_hall
from tests.helpers import admin_token, bearer, new_user_token, poll

UNKNOWN_ID = "3f1c2a9e-5b7d-4e0a-9c61-2d8f4b7a1e05"
"""A well-formed booking id no booking has (fixed: every pytest worker collects the same ids)."""

Headers = dict[str, str]
BOOKING_FIELDS = {
    "id",
    "user_id",
    "status",
    "payment_status",
    "session_id",
    "seats",
    "total_price",
    "currency",
    "reason",
    "created_at",
    "updated_at",
    "expires_at",
    "source",
    "extensions_left",
}


@dataclass(frozen=True)
class Show:
    """A session of its own hall, with the hall's seat ids in row/number order."""

    session_id: int
    seat_ids: list[int]
    starts_at: datetime


def make_show(
    api: httpx.Client,
    admin: Headers,
    *,
    rows: int = 2,
    seats_per_row: int = 5,
    starts_in: timedelta = timedelta(days=1),
    length: timedelta = timedelta(hours=2),
    vip_row: bool = False,
) -> Show:
    movie = api.post(
        "/api/movies",
        json={
            "title": f"Seat Nine {uuid.uuid4().hex[:8]}",
            "description": "A quiet film about the best seat in the house.",
            "year": 2025,
            "duration": 110,
            "age_rating": "PG",
            "movie_status": "now_showing",
            "genres_id": [],
        },
        headers=admin,
    )
    assert movie.status_code == 201, movie.text
    hall = create_hall(api, admin, name="Booking Hall", rows=rows, seats_per_row=seats_per_row)
    seat_ids = [seat["id"] for seat in hall["seats"]]
    if vip_row:
        for number in range(1, seats_per_row + 1):
            vip = api.post(
                f"/api/halls/{hall['id']}/seats",
                json={"row": rows + 1, "number": number, "type": "vip"},
                headers=admin,
            )
            assert vip.status_code == 201, vip.text
            seat_ids.append(vip.json()["id"])
    start = datetime.now(UTC).replace(microsecond=0) + starts_in
    session = api.post(
        "/api/sessions",
        json={
            "movie_id": movie.json()["id"],
            "hall_id": hall["id"],
            "start_time": start.isoformat(),
            "end_time": (start + length).isoformat(),
            "base_price": 10.0,
        },
        headers=admin,
    )
    assert session.status_code == 201, session.text
    return Show(session.json()["id"], seat_ids, start)


def hold(
    api: httpx.Client, who: Headers, session_id: int, seats: list[int], key: str | None = None
) -> httpx.Response:
    headers = who | ({"Idempotency-Key": key} if key is not None else {})
    return api.post(
        "/api/bookings", json={"session_id": session_id, "seats_id": seats}, headers=headers
    )


def held(api: httpx.Client, who: Headers, session_id: int, seats: list[int]) -> dict[str, Any]:
    response = hold(api, who, session_id, seats)
    assert response.status_code == 201, response.text
    return dict(response.json())


def seat_statuses(api: httpx.Client, session_id: int) -> dict[int, str]:
    response = api.get(f"/api/sessions/{session_id}/seats")
    assert response.status_code == 200, response.text
    return {seat["seat_id"]: seat["status"] for seat in response.json()}


@pytest.fixture
def admin(api: httpx.Client) -> Headers:
    return bearer(admin_token(api))


@pytest.fixture
def user(api: httpx.Client) -> Headers:
    return bearer(new_user_token(api))


@pytest.fixture
def show(api: httpx.Client, admin: Headers) -> Show:
    return make_show(api, admin)


def me(api: httpx.Client, who: Headers) -> int:
    return int(api.get("/api/me", headers=who).json()["id"])


def test_a_hold_answers_201_with_the_callers_pending_booking(
    api: httpx.Client, admin: Headers, user: Headers
) -> None:
    show = make_show(api, admin, rows=1, seats_per_row=3, vip_row=True)
    vip, standard = show.seat_ids[3], show.seat_ids[0]
    response = hold(api, user, show.session_id, [vip, standard])
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == BOOKING_FIELDS
    assert body["user_id"] == me(api, user)
    assert (body["status"], body["payment_status"]) == ("pending", "pending")
    assert body["session_id"] == show.session_id
    assert body["reason"] is None
    assert [
        (s["seat_id"], s["row"], s["number"], s["type"], s["price"]) for s in body["seats"]
    ] == [
        (standard, 1, 1, "standard", 10.0),
        (vip, 2, 1, "vip", 15.0),
    ]
    assert body["total_price"] == 25.0
    hold_for = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(
        body["created_at"]
    )
    assert abs(hold_for - timedelta(seconds=900)) < timedelta(seconds=1)
    assert api.get(f"/api/bookings/{body['id']}", headers=user).json() == body


def test_a_user_id_in_the_body_is_ignored(
    api: httpx.Client, user: Headers, admin: Headers, show: Show
) -> None:
    response = api.post(
        "/api/bookings",
        json={"session_id": show.session_id, "seats_id": [show.seat_ids[0]], "user_id": 1},
        headers=user,
    )
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == me(api, user)
    assert response.json()["user_id"] != me(api, admin)


def test_the_seat_map_shows_free_held_and_booked_seats_and_its_version_grows(
    api: httpx.Client, user: Headers, show: Show
) -> None:
    before = api.get(f"/api/sessions/{show.session_id}/seats")
    assert before.status_code == 200
    assert set(before.json()[0]) == {
        "seat_id",
        "row",
        "number",
        "type",
        "price",
        "status",
        "held_until",
    }
    assert [seat["seat_id"] for seat in before.json()] == show.seat_ids
    assert {seat["status"] for seat in before.json()} == {"free"}
    assert before.json()[0]["price"] == 10.0
    version = int(before.headers["X-Seat-Map-Version"])
    first = held(api, user, show.session_id, [show.seat_ids[0]])
    held(api, user, show.session_id, [show.seat_ids[1]])
    assert api.post(f"/api/bookings/{first['id']}/confirm", headers=user).status_code == 200
    after = api.get(f"/api/sessions/{show.session_id}/seats")
    statuses = {seat["seat_id"]: seat["status"] for seat in after.json()}
    assert statuses[show.seat_ids[0]] == "booked"
    assert statuses[show.seat_ids[1]] == "held"
    assert list(statuses.values()).count("free") == len(show.seat_ids) - 2
    assert int(after.headers["X-Seat-Map-Version"]) == version + 3


def test_taken_seats_are_409_naming_them(api: httpx.Client, user: Headers, show: Show) -> None:
    held(api, user, show.session_id, show.seat_ids[:2])
    other = bearer(new_user_token(api))
    response = hold(api, other, show.session_id, [show.seat_ids[2], show.seat_ids[1]])
    assert_error(response, 409, "seats_taken")
    assert response.json()["seat_ids"] == [show.seat_ids[1]]
    assert seat_statuses(api, show.session_id)[show.seat_ids[2]] == "free"


@pytest.mark.parametrize(
    ("seats", "code"),
    [
        (lambda ids: [], "no_seats"),
        (lambda ids: [ids[0], ids[0]], "duplicate_seats"),
        (lambda ids: ids[:5], "too_many_seats"),
        (lambda ids: [ids[0], 2**62], "seat_not_in_hall"),
        (lambda ids: [0], "validation_error"),
        (lambda ids: [2**70], "validation_error"),
        (lambda ids: ["one"], "validation_error"),
        (lambda ids: list(range(1, 200)), "validation_error"),
    ],
)
def test_bad_seat_lists_are_422(
    api: httpx.Client, user: Headers, show: Show, seats: Any, code: str
) -> None:
    response = hold(api, user, show.session_id, seats(show.seat_ids))
    assert_error(response, 422, code)
    if code == "seat_not_in_hall":
        assert response.json()["seat_ids"] == [2**62]


def test_an_unknown_session_is_404(api: httpx.Client, user: Headers) -> None:
    assert_error(hold(api, user, 2**62, [1]), 404, "session_not_found")
    assert_error(api.get(f"/api/sessions/{2**62}/seats"), 404, "session_not_found")


def test_booking_needs_a_valid_token(api: httpx.Client, show: Show) -> None:
    assert_error(hold(api, {}, show.session_id, show.seat_ids[:1]), 401)
    assert_error(hold(api, bearer("not-a-token"), show.session_id, show.seat_ids[:1]), 401)
    assert_error(api.get("/api/bookings"), 401)
    assert_error(api.get("/api/me/bookings"), 401)


def test_a_session_that_has_started_is_409(
    api: httpx.Client, admin: Headers, user: Headers
) -> None:
    show = make_show(api, admin, starts_in=timedelta(seconds=3))
    seat_statuses(api, show.session_id)
    while datetime.now(UTC) <= show.starts_at:
        time.sleep(0.1)
    assert_error(hold(api, user, show.session_id, show.seat_ids[:1]), 409, "session_started")


def test_users_list_their_own_bookings_and_admins_everyones(
    api: httpx.Client, admin: Headers, user: Headers, show: Show
) -> None:
    mine = [held(api, user, show.session_id, [seat]) for seat in show.seat_ids[:3]]
    other = bearer(new_user_token(api))
    theirs = held(api, other, show.session_id, [show.seat_ids[5]])
    page = api.get("/api/bookings", params={"page": 1, "page_size": 2}, headers=user).json()
    assert page["total"] == 3
    assert (page["page"], page["page_size"]) == (1, 2)
    assert [b["id"] for b in page["items"]] == [mine[2]["id"], mine[1]["id"]]
    last = api.get("/api/me/bookings", params={"page": 2, "page_size": 2}, headers=user).json()
    assert [b["id"] for b in last["items"]] == [mine[0]["id"]]
    everyone = api.get("/api/bookings", params={"page_size": 100}, headers=admin).json()
    assert {mine[0]["id"], theirs["id"]} <= {b["id"] for b in everyone["items"]}
    assert api.get("/api/me/bookings", headers=admin).json()["total"] == 0
    assert_error(api.get("/api/bookings", params={"page_size": 101}, headers=user), 422)
    assert_error(api.get("/api/bookings", params={"page": 0}, headers=user), 422)


def test_pay_then_cancel_frees_the_seat_and_refunds(
    api: httpx.Client, user: Headers, show: Show
) -> None:
    booking = held(api, user, show.session_id, show.seat_ids[:2])
    paid = api.post(f"/api/bookings/{booking['id']}/confirm", headers=user)
    assert paid.status_code == 200, paid.text
    assert (paid.json()["status"], paid.json()["payment_status"]) == ("confirmed", "paid")
    assert paid.json()["seats"] == booking["seats"]
    cancelled = api.post(f"/api/bookings/{booking['id']}/cancel", headers=user)
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["status"], body["payment_status"]) == ("cancelled", "refunded")
    assert body["reason"] == "cancelled_by_user"
    assert seat_statuses(api, show.session_id)[show.seat_ids[0]] == "free"
    held(api, bearer(new_user_token(api)), show.session_id, show.seat_ids[:2])


@pytest.mark.parametrize("booking_id", ["nope", "1", UNKNOWN_ID, "x" * 300])
def test_unknown_and_malformed_booking_ids_are_404(
    api: httpx.Client, user: Headers, booking_id: str
) -> None:
    assert_error(api.get(f"/api/bookings/{booking_id}", headers=user), 404, "booking_not_found")
    for action in ("confirm", "cancel"):
        response = api.post(f"/api/bookings/{booking_id}/{action}", headers=user)
        assert_error(response, 404, "booking_not_found")


def test_a_cancelled_session_cancels_its_bookings_and_takes_no_more(
    api: httpx.Client, admin: Headers, user: Headers, show: Show
) -> None:
    pending = held(api, user, show.session_id, [show.seat_ids[0]])
    paid = held(api, user, show.session_id, [show.seat_ids[1]])
    assert api.post(f"/api/bookings/{paid['id']}/confirm", headers=user).status_code == 200
    assert api.delete(f"/api/sessions/{show.session_id}", headers=admin).status_code in (200, 204)

    def cancelled() -> bool:
        states = [api.get(f"/api/bookings/{b['id']}", headers=user).json() for b in (pending, paid)]
        return all(s["status"] == "cancelled" for s in states)

    assert poll(cancelled), "the bookings of the cancelled session are still live"
    refunded = api.get(f"/api/bookings/{paid['id']}", headers=user).json()
    assert (refunded["payment_status"], refunded["reason"]) == ("refunded", "session_cancelled")
    assert_error(hold(api, user, show.session_id, [show.seat_ids[2]]), 409, "session_cancelled")
