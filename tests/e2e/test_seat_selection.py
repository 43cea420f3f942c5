"""Seat selection through the whole stack with the orphan rule on: 100 parties asking for the
best two seats at once, orphan and companion refusals, and giving back some seats."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from deploy.stack import Stack
from tests.conftest import RunningStack
from tests.e2e.test_booking_race import all_at_once, users
from tests.e2e.test_bookings import Headers, Show, hold, make_show, seat_statuses
from tests.e2e.test_halls import assert_error
from tests.e2e.test_live_feed import changes, receive, watching
from tests.helpers import admin_token, bearer, new_user_token

BOOKING = "booking_svc"


@pytest.fixture(scope="module")
def orphan_rule(running_stack: RunningStack) -> Iterator[Stack]:
    """booking_svc with BOOKING_NO_ORPHAN_SEATS on for this module, as deployed by default."""
    with running_stack.changed_for(BOOKING, BOOKING_NO_ORPHAN_SEATS="true"):
        yield running_stack.stack


@pytest.fixture
def admin(api: httpx.Client) -> Headers:
    return bearer(admin_token(api))


@pytest.fixture
def client(running_stack: RunningStack) -> Iterator[httpx.Client]:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    with httpx.Client(base_url=running_stack.base_url, timeout=60.0, limits=limits) as made:
        yield made


def best_pair(client: httpx.Client, who: Headers, session_id: int) -> httpx.Response:
    body = {"session_id": session_id, "best_available": {"count": 2}}
    return client.post("/api/bookings", json=body, headers=who)


def live_seats(running_stack: RunningStack, session_id: int) -> list[tuple[int, int]]:
    """(seat id, live bookings holding it) for every seat of the session held or sold."""
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT s.seat_id, count(*) FROM booking_seats s JOIN bookings b ON b.id = s.booking_id"
            " WHERE s.session_id = %s AND s.active AND b.status IN ('pending', 'confirmed')"
            " GROUP BY s.seat_id",
            (session_id,),
        ).fetchall()
    return [(int(seat), int(count)) for seat, count in rows]


def lone_free_seats(api: httpx.Client, session_id: int) -> list[dict[str, Any]]:
    """Free seats with a seat beside them in the row but no free seat beside them."""
    seats = api.get(f"/api/sessions/{session_id}/seats").json()
    place = {(s["row"], s["number"]): s for s in seats}
    lone = []
    for seat in seats:
        places = [(seat["row"], seat["number"] + d) for d in (-1, 1)]
        beside = [place[p] for p in places if p in place]
        free = seat["status"] == "free"
        if free and beside and all(other["status"] != "free" for other in beside):
            lone.append(seat)
    return lone


def free_pairs_that_strand_nobody(api: httpx.Client, session_id: int) -> list[tuple[int, int]]:
    """(row, number) of every two adjacent free seats whose taking leaves no free seat alone."""
    seats = api.get(f"/api/sessions/{session_id}/seats").json()
    free = {(s["row"], s["number"]) for s in seats if s["status"] == "free"}
    pairs = []
    for row, number in sorted(free):
        if (row, number + 1) not in free:
            continue
        after = free - {(row, number), (row, number + 1)}
        sides = [(row, number - 1), (row, number + 2)]
        alone = [
            side
            for side in sides
            if side in after and not {(row, side[1] - 1), (row, side[1] + 1)} & after
        ]
        if not alone:
            pairs.append((row, number))
    return pairs


def test_a_hundred_parties_of_two_at_once_fill_a_200_seat_hall_without_orphans(
    orphan_rule: Stack,
    api: httpx.Client,
    admin: Headers,
    client: httpx.Client,
    running_stack: RunningStack,
) -> None:
    show = make_show(api, admin, rows=10, seats_per_row=20)
    parties = users(api, 100)
    answers = all_at_once(100, lambda i: best_pair(client, parties[i], show.session_id))
    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {201, 409}, [a.text for a in answers if a.status_code not in (201, 409)]
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json()["code"] == "no_adjacent_seats"
    held = [answer.json() for answer in answers if answer.status_code == 201]
    for booking in held:
        assert len({seat["row"] for seat in booking["seats"]}) == 1
        first, second = sorted(seat["number"] for seat in booking["seats"])
        assert second == first + 1
    taken = live_seats(running_stack, show.session_id)
    assert all(count == 1 for _seat, count in taken), "a seat is in two live bookings"
    assert len(taken) == 2 * len(held)
    assert lone_free_seats(api, show.session_id) == []
    if statuses.count(409):
        assert free_pairs_that_strand_nobody(api, show.session_id) == []
    assert len(held) == 100, "an even hall of 200 seats takes 100 pairs"


def test_best_seats_are_suggested_then_held_and_none_left_is_409_with_a_split(
    orphan_rule: Stack, api: httpx.Client, admin: Headers
) -> None:
    show = make_show(api, admin, rows=2, seats_per_row=4)
    who = bearer(new_user_token(api))
    best = api.get(f"/api/sessions/{show.session_id}/best-seats", params={"count": 2})
    assert best.status_code == 200, best.text
    assert best.json()["row"] == 2
    held = best_pair(api, who, show.session_id)
    assert held.status_code == 201, held.text
    assert sorted(seat["seat_id"] for seat in held.json()["seats"]) == best.json()["seat_ids"]
    other = bearer(new_user_token(api))
    assert hold(api, other, show.session_id, show.seat_ids[0:2]).status_code == 201
    assert hold(api, other, show.session_id, show.seat_ids[2:4]).status_code == 201
    answer = api.get(f"/api/sessions/{show.session_id}/best-seats", params={"count": 3})
    assert_error(answer, 409, "no_adjacent_seats")
    assert answer.json()["suggestion"] == []


def test_a_hold_that_strands_a_seat_is_422_naming_it_and_the_seat_stays_free(
    orphan_rule: Stack, api: httpx.Client, admin: Headers
) -> None:
    show = make_show(api, admin, rows=1, seats_per_row=6)
    who = bearer(new_user_token(api))
    answer = hold(api, who, show.session_id, show.seat_ids[1:3])
    assert_error(answer, 422, "orphan_seat")
    assert (answer.json()["seat_id"], answer.json()["number"]) == (show.seat_ids[0], 1)
    assert seat_statuses(api, show.session_id)[show.seat_ids[1]] == "free"
    assert hold(api, who, show.session_id, show.seat_ids[0:2]).status_code == 201


def companion_show(api: httpx.Client, admin: Headers) -> Show:
    """One row of six: a wheelchair place (1), its companion seat (2), standard 3-6."""
    show = make_show(api, admin, rows=1, seats_per_row=6)
    for number, kind in ((1, "wheelchair"), (2, "companion")):
        changed = api.put(
            f"/api/seats/{show.seat_ids[number - 1]}",
            json={"row": 1, "number": number, "type": kind},
            headers=admin,
        )
        assert changed.status_code == 200, changed.text
    return show


def test_a_companion_seat_is_held_only_with_its_wheelchair_place(
    orphan_rule: Stack, api: httpx.Client, admin: Headers
) -> None:
    show = companion_show(api, admin)
    who = bearer(new_user_token(api))
    answer = hold(api, who, show.session_id, show.seat_ids[1:4])
    assert_error(answer, 422, "companion_needs_wheelchair")
    assert answer.json()["seat_ids"] == [show.seat_ids[1]]
    pair = hold(api, who, show.session_id, show.seat_ids[0:2])
    assert pair.status_code == 201, pair.text
    assert [seat["type"] for seat in pair.json()["seats"]] == ["wheelchair", "companion"]


def test_giving_back_some_seats_frees_them_live_and_keeps_the_rest(
    orphan_rule: Stack, api: httpx.Client, admin: Headers, running_stack: RunningStack
) -> None:
    show = companion_show(api, admin)
    who = bearer(new_user_token(api))
    booking = hold(api, who, show.session_id, show.seat_ids[0:4]).json()
    url = f"/api/bookings/{booking['id']}/cancel"

    def give_back(seat_ids: list[int]) -> httpx.Response:
        return api.post(url, json={"seat_ids": seat_ids}, headers=who)

    assert_error(give_back(show.seat_ids[0:1]), 422, "companion_needs_wheelchair")
    assert_error(give_back(show.seat_ids[0:4]), 422, "booking_would_be_empty")
    assert_error(give_back(show.seat_ids[2:3]), 422, "orphan_seat")
    with watching(running_stack.base_url, show.session_id) as ws:
        assert receive(ws)["type"] == "snapshot"
        kept = give_back(show.seat_ids[2:4])
        (freed,) = changes(ws, 1)
    assert kept.status_code == 200, kept.text
    assert [seat["seat_id"] for seat in kept.json()["seats"]] == show.seat_ids[0:2]
    assert kept.json()["status"] == "pending"
    assert kept.json()["total_price"] == booking["total_price"] - 20.0
    assert (freed["event"], freed["status"]) == ("booking.cancelled", "free")
    assert (freed["seat_ids"], freed["reason"]) == (show.seat_ids[2:4], "seats_released")
    statuses = seat_statuses(api, show.session_id)
    assert [statuses[seat] for seat in show.seat_ids[:4]] == ["held", "held", "free", "free"]
    paid = api.post(f"/api/bookings/{booking['id']}/confirm", headers=who)
    assert paid.status_code == 200, paid.text
    assert len(paid.json()["seats"]) == 2
