"""Extending a hold through the REST API against the real stack, and held seats' deadlines."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import httpx
import psycopg

from tests.conftest import RunningStack
from tests.e2e.test_bookings import held, make_show
from tests.helpers import admin_token, bearer, new_user_token


def extend(api: httpx.Client, who: dict[str, str], booking_id: str) -> httpx.Response:
    return api.post(f"/api/bookings/{booking_id}/extend", headers=who)


def held_until(api: httpx.Client, session_id: int) -> dict[int, str | None]:
    return {
        s["seat_id"]: s["held_until"] for s in api.get(f"/api/sessions/{session_id}/seats").json()
    }


def test_a_hold_is_extended_once_by_its_owner_and_the_seat_map_follows(
    api: httpx.Client, running_stack: RunningStack
) -> None:
    show = make_show(api, bearer(admin_token(api)))
    owner, other = bearer(new_user_token(api)), bearer(new_user_token(api))
    booking = held(api, owner, show.session_id, show.seat_ids[:2])
    assert booking["extensions_left"] == 1
    assert booking["source"] == "direct"
    seats = held_until(api, show.session_id)
    assert {seats[s] for s in show.seat_ids[:2]} == {booking["expires_at"]}
    assert seats[show.seat_ids[2]] is None

    refused = extend(api, other, booking["id"])
    assert (refused.status_code, refused.json()["code"]) == (404, "booking_not_found")
    response = extend(api, owner, booking["id"])
    assert response.status_code == 200, response.text
    extended = response.json()
    moved = datetime.fromisoformat(extended["expires_at"]) - datetime.fromisoformat(
        booking["expires_at"]
    )
    assert moved == timedelta(seconds=300)
    assert extended["extensions_left"] == 0
    assert held_until(api, show.session_id)[show.seat_ids[0]] == extended["expires_at"]
    again = extend(api, owner, booking["id"])
    assert (again.status_code, again.json()["code"]) == (409, "extension_limit")
    assert again.json()["error"]


def test_paid_and_expired_holds_are_not_extended(
    api: httpx.Client, running_stack: RunningStack
) -> None:
    show = make_show(api, bearer(admin_token(api)))
    owner = bearer(new_user_token(api))
    paid = held(api, owner, show.session_id, [show.seat_ids[0]])
    assert api.post(f"/api/bookings/{paid['id']}/confirm", headers=owner).status_code == 200
    refused = extend(api, owner, paid["id"])
    assert (refused.status_code, refused.json()["code"]) == (409, "not_pending")

    late = held(api, owner, show.session_id, [show.seat_ids[1]])
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        conn.execute(
            "UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = %s",
            (late["id"],),
        )
    refused = extend(api, owner, late["id"])
    assert (refused.status_code, refused.json()["code"]) == (409, "hold_expired")


def test_concurrent_extensions_of_one_hold_succeed_once(
    api: httpx.Client, running_stack: RunningStack
) -> None:
    show = make_show(api, bearer(admin_token(api)))
    owner = bearer(new_user_token(api))
    booking = held(api, owner, show.session_id, [show.seat_ids[0]])
    with (
        httpx.Client(base_url=running_stack.base_url, timeout=30) as client,
        ThreadPoolExecutor(8) as pool,
    ):
        answers = list(pool.map(lambda _: extend(client, owner, booking["id"]), range(8)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 7
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"extension_limit"}
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        extensions, held_for = conn.execute(
            "SELECT extensions, expires_at - created_at FROM bookings WHERE id = %s",
            (booking["id"],),
        ).fetchone() or (None, None)
        events = conn.execute(
            "SELECT count(*) FROM outbox WHERE event_type = 'booking.extended' AND key = %s",
            (str(show.session_id),),
        ).fetchone()
    assert extensions == 1
    assert held_for == timedelta(seconds=900 + 300)
    assert events == (1,)
