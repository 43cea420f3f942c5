"""Seat maps from memory on two gateway replicas: a client reads its own changes at once on
either replica (cookie or header), others' changes and price changes show within a bound,
and a map the client has is answered 304."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import GATEWAY_PORT, RunningStack
from tests.e2e.test_bookings import Headers, Show, make_show
from tests.helpers import admin_token, bearer, new_user_token, poll

REPLICA_PORT = GATEWAY_PORT + 600
ROUNDS = 20
SHOWS_WITHIN_SECONDS = 10.0
"""A polling bound for others' changes (the feed's latency is far less; no timing is asserted)."""


@pytest.fixture(scope="module")
def replica(running_stack: RunningStack) -> Iterator[httpx.Client]:
    """A second gateway in front of the same services (the `api` fixture talks to the first)."""
    with running_stack.gateway_replica(REPLICA_PORT, "seat-map-replica") as client:
        yield client


@pytest.fixture(scope="module")
def admin(running_stack: RunningStack) -> Headers:
    with httpx.Client(base_url=running_stack.base_url, timeout=30.0) as client:
        return bearer(admin_token(client))


@pytest.fixture
def show(api: httpx.Client, admin: Headers) -> Show:
    return make_show(api, admin, rows=4, seats_per_row=6)


def seats_path(show: Show) -> str:
    return f"/api/sessions/{show.session_id}/seats"


def seat_map(client: httpx.Client, show: Show, headers: Headers | None = None) -> httpx.Response:
    response = client.get(seats_path(show), headers=headers or {})
    assert response.status_code == 200, response.text
    return response


def statuses(response: httpx.Response) -> dict[int, str]:
    return {seat["seat_id"]: seat["status"] for seat in response.json()}


def change(client: httpx.Client, path: str, who: Headers, body: Any = None) -> httpx.Response:
    response = client.post(path, json=body, headers=who)
    assert response.status_code in (200, 201), response.text
    return response


def seen_by_cookie(answer: httpx.Response) -> Headers:
    """What a browser sends back to the seat map after `answer` (the cookie it set)."""
    return {"Cookie": f"seat_map_seen={answer.cookies['seat_map_seen']}"}


def seen_by_header(answer: httpx.Response) -> Headers:
    return {"X-Seat-Map-Min-Version": answer.headers["X-Seat-Map-Version"]}


@pytest.mark.parametrize("seen", [seen_by_cookie, seen_by_header], ids=["cookie", "header"])
def test_a_change_answered_by_one_replica_shows_at_once_on_the_other(
    api: httpx.Client,
    replica: httpx.Client,
    show: Show,
    seen: Callable[[httpx.Response], Headers],
) -> None:
    user = bearer(new_user_token(api))
    seat_map(replica, show)  # the replica keeps the map from now on
    for seat_id in show.seat_ids[:ROUNDS]:
        hold = change(
            api, "/api/bookings", user, {"session_id": show.session_id, "seats_id": [seat_id]}
        )
        assert statuses(seat_map(replica, show, seen(hold)))[seat_id] == "held"
        cancel = change(api, f"/api/bookings/{hold.json()['id']}/cancel", user)
        assert statuses(seat_map(replica, show, seen(cancel)))[seat_id] == "free"


def test_a_change_by_someone_else_shows_on_both_replicas(
    api: httpx.Client, replica: httpx.Client, show: Show
) -> None:
    replicas = (api, replica)
    for client in replicas:
        seat_map(client, show)
    seat_id = show.seat_ids[0]
    change(
        api,
        "/api/bookings",
        bearer(new_user_token(api)),
        {"session_id": show.session_id, "seats_id": [seat_id]},
    )
    for client in replicas:
        shown = poll(
            lambda c=client: statuses(seat_map(c, show))[seat_id] == "held",
            timeout=SHOWS_WITHIN_SECONDS,
        )
        assert shown, f"{client.base_url} still shows seat {seat_id} free"


def test_a_map_the_client_has_is_answered_304_until_it_changes(
    api: httpx.Client, replica: httpx.Client, show: Show
) -> None:
    first = seat_map(replica, show)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    for client in (api, replica):
        again = client.get(seats_path(show), headers={"If-None-Match": etag})
        assert again.status_code == 304, again.text
        assert again.headers["ETag"] == etag
    hold = change(
        api,
        "/api/bookings",
        bearer(new_user_token(api)),
        {"session_id": show.session_id, "seats_id": [show.seat_ids[0]]},
    )
    after = replica.get(seats_path(show), headers={"If-None-Match": etag} | seen_by_header(hold))
    assert after.status_code == 200
    assert after.headers["ETag"] != etag


def test_a_price_change_shows_on_both_replicas(
    api: httpx.Client, replica: httpx.Client, admin: Headers, show: Show
) -> None:
    replicas = (api, replica)
    for client in replicas:
        assert {seat["price"] for seat in seat_map(client, show).json()} == {10.0}
    session = api.get(f"/api/sessions/{show.session_id}").json()
    body = {key: session[key] for key in ("movie_id", "hall_id", "start_time", "end_time")}
    changed = api.put(
        f"/api/sessions/{show.session_id}", json=body | {"base_price": 14.0}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    for client in replicas:
        shown = poll(
            lambda c=client: {seat["price"] for seat in seat_map(c, show).json()} == {14.0},
            timeout=SHOWS_WITHIN_SECONDS,
        )
        assert shown, f"{client.base_url} still shows the old price"
