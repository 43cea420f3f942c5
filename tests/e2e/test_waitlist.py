"""The waiting list end to end, with real PostgreSQL, Kafka, SMTP and push: twenty people
wait, seats free by expiry and cancellation, and each auto-hold goes to the oldest entry the
free seats satisfy, is announced once, and never shares a seat."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg

from booking_svc.domain import SeatInfo
from booking_svc.waitlist.rules import seats_for
from tests.conftest import RunningStack
from tests.e2e.test_bookings import Headers, held, make_show
from tests.e2e.test_notifications import Guest, Notifying, guest, notifying, subscribe
from tests.e2e.test_operator import expire
from tests.helpers import admin_token, bearer, poll

__all__ = ["notifying"]

WAITLIST_SUBJECT = "Seats freed up for you"


def hall_seats(api: httpx.Client, session_id: int) -> list[SeatInfo]:
    seats = api.get(f"/api/sessions/{session_id}/seats").json()
    return [SeatInfo(s["seat_id"], s["row"], s["number"], s["type"], 0) for s in seats]


def served(running_stack: RunningStack, session_id: int) -> dict[int, list[int]]:
    """user id -> the seats of the booking the waiting list made for them."""
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT w.user_id, array_agg(s.seat_id ORDER BY s.seat_id) FROM waitlist_entries w"
            " JOIN bookings b ON b.id = w.booking_id JOIN booking_seats s ON s.booking_id = b.id"
            " WHERE w.session_id = %s AND w.status = 'served' AND b.source = 'waitlist'"
            " GROUP BY w.user_id",
            (session_id,),
        ).fetchall()
    return {user_id: list(seats) for user_id, seats in rows}


def live_seat_owners(running_stack: RunningStack, session_id: int) -> list[tuple[int, int]]:
    """(seat, how many live bookings have it) for every seat any live booking has."""
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        return conn.execute(
            "SELECT s.seat_id, count(*) FROM booking_seats s JOIN bookings b ON b.id = s.booking_id"
            " WHERE s.session_id = %s AND b.status IN ('pending', 'confirmed')"
            " GROUP BY s.seat_id",
            (session_id,),
        ).fetchall()


def join(api: httpx.Client, who: Headers, session_id: int, count: int, together: bool) -> Any:
    response = api.post(
        f"/api/sessions/{session_id}/waitlist",
        json={"count": count, "together": together},
        headers=who,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_twenty_entries_are_served_oldest_satisfiable_first_and_told_once(
    api: httpx.Client, notifying: Notifying, running_stack: RunningStack
) -> None:
    rng = random.Random(2026)
    admin = bearer(admin_token(api))
    show = make_show(api, admin, rows=3, seats_per_row=6)
    hall = hall_seats(api, show.session_id)
    ids = sorted(seat.seat_id for seat in hall)
    holds: list[tuple[Headers, dict[str, Any]]] = []
    while ids:
        size = rng.choice((1, 2, 3))
        holder = guest(api).headers
        holds.append((holder, held(api, holder, show.session_id, ids[:size])))
        ids = ids[size:]

    guests: list[Guest] = [guest(api) for _ in range(20)]
    browser = notifying.browser()
    subscribe(api, guests[0], browser)
    entries = []
    for person in guests:
        entry = join(
            api, person.headers, show.session_id, rng.choice((2, 3, 4)), rng.random() < 0.5
        )
        assert entry["status"] == "waiting"
        entries.append(entry)
    again = api.post(
        f"/api/sessions/{show.session_id}/waitlist", json={"count": 1}, headers=guests[3].headers
    )
    assert again.status_code == 409
    assert again.json()["code"] == "waitlist_exists"

    waiting = list(entries)
    free: set[int] = set()
    expected: dict[int, list[int]] = {}
    rng.shuffle(holds)
    for step, (holder, booking) in enumerate(holds):
        if step % 2:
            expire(running_stack, booking["id"])
        else:
            response = api.post(f"/api/bookings/{booking['id']}/cancel", headers=holder)
            assert response.status_code == 200, response.text
        free |= {seat["seat_id"] for seat in booking["seats"]}
        for entry in list(waiting):
            chosen = seats_for(hall, free, entry["count"], entry["together"])
            if chosen is not None:
                expected[entry["user_id"]] = sorted(seat.seat_id for seat in chosen)
                free -= set(expected[entry["user_id"]])
                waiting.remove(entry)
        now_served = poll(lambda: (s := served(running_stack, show.session_id)) == expected and s)
        assert served(running_stack, show.session_id) == expected, f"step {step}"
        assert now_served or not expected
    assert len(expected) >= 5
    assert all(count == 1 for _, count in live_seat_owners(running_stack, show.session_id))

    by_user = {entry["user_id"]: person for entry, person in zip(entries, guests, strict=True)}
    for user_id in expected:
        person = by_user[user_id]
        notifying.inbox.wait_for(person.email, WAITLIST_SUBJECT, timeout=30)
        mine = api.get("/api/me/waitlist", headers=person.headers).json()
        assert [e["status"] for e in mine] == ["served"]
        booking = api.get(f"/api/bookings/{mine[0]['booking_id']}", headers=person.headers).json()
        assert (booking["source"], booking["status"]) == ("waitlist", "pending")
        assert sorted(seat["seat_id"] for seat in booking["seats"]) == expected[user_id]
    for user_id, person in by_user.items():
        if user_id not in expected:
            assert [
                e["status"] for e in api.get("/api/me/waitlist", headers=person.headers).json()
            ] == ["waiting"]
    time.sleep(2)
    for user_id, person in by_user.items():
        told = [
            m for m in notifying.inbox.to(person.email) if m["Subject"].startswith(WAITLIST_SUBJECT)
        ]
        assert len(told) == (1 if user_id in expected else 0)
    first = entries[0]["user_id"]
    pushes = [browser.decrypt(r) for r in notifying.push.to(browser.path)]
    waitlist_pushes = [p for p in pushes if p["title"] == "Seats held for you"]
    assert len(waitlist_pushes) == (1 if first in expected else 0)


def waitlist_status(api: httpx.Client, who: Headers) -> str:
    return str(api.get("/api/me/waitlist", headers=who).json()[0]["status"])


def race_once(api: httpx.Client, running_stack: RunningStack, admin: Headers) -> bool:
    """Two seats held, someone waiting for both; the holder cancels while a customer tries
    to hold both three times at once. Answers whether the customer won."""
    show = make_show(api, admin, rows=1, seats_per_row=2)
    blocker, waiter, racer = guest(api), guest(api), guest(api)
    blocked = held(api, blocker.headers, show.session_id, show.seat_ids)
    join(api, waiter.headers, show.session_id, 2, True)
    body = {"session_id": show.session_id, "seats_id": show.seat_ids}
    with (
        httpx.Client(base_url=running_stack.base_url, timeout=30) as other,
        ThreadPoolExecutor(4) as pool,
    ):
        cancelled = pool.submit(
            api.post, f"/api/bookings/{blocked['id']}/cancel", headers=blocker.headers
        )
        tries = [
            pool.submit(other.post, "/api/bookings", json=body, headers=racer.headers)
            for _ in range(3)
        ]
        assert cancelled.result().status_code == 200
        answers = [attempt.result() for attempt in tries]
    won = [answer for answer in answers if answer.status_code == 201]
    for answer in answers:
        if answer.status_code != 201:
            assert (answer.status_code, answer.json()["code"]) in (
                (409, "seats_taken"),
                (409, "hold_limit"),
            )
    served = poll(lambda: waitlist_status(api, waiter.headers) == "served", timeout=3)
    assert served != bool(won), (served, [a.status_code for a in answers])
    assert len(won) <= 1
    assert all(count == 1 for _, count in live_seat_owners(running_stack, show.session_id))
    return bool(won)


def test_a_customer_racing_the_waiting_list_never_double_books(
    api: httpx.Client, running_stack: RunningStack
) -> None:
    admin = bearer(admin_token(api))
    for _ in range(6):
        race_once(api, running_stack, admin)
