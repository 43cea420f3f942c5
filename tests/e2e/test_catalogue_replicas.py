"""Two gateway replicas, each answering hot catalogue reads from its own memory: a write on one
is read at once on the other (the write is answered only after every replica dropped it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import GATEWAY_PORT, RunningStack
from tests.e2e.test_halls import create_hall
from tests.e2e.test_sessions import at, create_session, session_body
from tests.helpers import admin_token, bearer

SECOND_GATEWAY_PORT = GATEWAY_PORT + 700
ROUNDS = 20


@pytest.fixture(scope="module")
def second_gateway(running_stack: RunningStack) -> Iterator[httpx.Client]:
    """Another replica of the gateway in front of the same services and Redis."""
    with running_stack.gateway_replica(SECOND_GATEWAY_PORT, "second-gateway-catalogue") as client:
        yield client


@pytest.fixture
def admin(api: httpx.Client) -> dict[str, str]:
    return bearer(admin_token(api))


@pytest.fixture
def genre(api: httpx.Client, admin: dict[str, str]) -> dict[str, Any]:
    """A genre of this test's own: listing its movies lists this test's movie only."""
    response = api.post("/api/genres", json={"name": f"Replica {uuid.uuid4().hex}"}, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def movie_body(genre: dict[str, Any], title: str) -> dict[str, Any]:
    return {
        "title": title,
        "description": "Two projectionists, two booths, one reel.",
        "year": 2024,
        "duration": 99,
        "age_rating": "PG",
        "movie_status": "now_showing",
        "genres_id": [genre["id"]],
    }


def read_twice(replica: httpx.Client, path: str) -> None:
    """The second read is answered from the replica's memory."""
    for _ in range(2):
        response = replica.get(path)
        assert response.status_code == 200, response.text


def test_a_renamed_movie_is_read_at_once_on_the_other_replica(
    api: httpx.Client, second_gateway: httpx.Client, admin: dict[str, str], genre: dict[str, Any]
) -> None:
    created = api.post("/api/movies", json=movie_body(genre, "Reel 0"), headers=admin)
    assert created.status_code == 201, created.text
    movie_id = created.json()["id"]
    listing = f"/api/movies?genre_id={genre['id']}"
    replicas = [api, second_gateway]
    for round_ in range(1, ROUNDS + 1):
        writer, reader = replicas[round_ % 2], replicas[(round_ + 1) % 2]
        for replica in replicas:
            read_twice(replica, listing)
            read_twice(replica, f"/api/movies/{movie_id}")
        title = f"Reel {round_}"
        renamed = writer.put(
            f"/api/movies/{movie_id}", json=movie_body(genre, title), headers=admin
        )
        assert renamed.status_code == 200, renamed.text
        assert [movie["title"] for movie in reader.get(listing).json()["items"]] == [title]
        assert reader.get(f"/api/movies/{movie_id}").json()["title"] == title


def test_a_new_price_and_time_are_read_at_once_on_the_other_replica(
    api: httpx.Client, second_gateway: httpx.Client, admin: dict[str, str], genre: dict[str, Any]
) -> None:
    movie = api.post("/api/movies", json=movie_body(genre, "Matinee"), headers=admin).json()
    hall = create_hall(api, admin, name="Replica Hall", rows=2, seats_per_row=3)
    session = create_session(api, admin, **session_body(movie, hall))
    listing = f"/api/sessions?hall_id={hall['id']}"
    aggregate = f"/api/sessions/{session['id']}/aggregate"
    replicas = [api, second_gateway]
    for round_ in range(1, ROUNDS + 1):
        writer, reader = replicas[round_ % 2], replicas[(round_ + 1) % 2]
        for replica in replicas:
            read_twice(replica, listing)
            read_twice(replica, aggregate)
        price, start = 10 + round_, at(24 + round_ / 60)
        changed = writer.put(
            f"/api/sessions/{session['id']}",
            json=session_body(movie, hall, start_time=start, end_time=at(27), base_price=price),
            headers=admin,
        )
        assert changed.status_code == 200, changed.text
        [listed] = reader.get(listing).json()["items"]  # lowest_price: booking_svc, by Kafka
        assert (listed["base_price"], listed["start_time"]) == (price, changed.json()["start_time"])
        assert reader.get(aggregate).json()["session"] == changed.json()


def local_hits(metrics: str, namespace: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(f'catalogue_cache_local_hits_total{{namespace="{namespace}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_repeated_reads_are_answered_from_memory_and_big_ones_still_gzipped(
    api: httpx.Client, running_stack: RunningStack, admin: dict[str, str]
) -> None:
    hall = create_hall(api, admin, name="Big Replica Hall", rows=10, seats_per_row=10)
    metrics = f"http://127.0.0.1:{running_stack.env['GATEWAY_METRICS_PORT']}/metrics"
    before = local_hits(httpx.get(metrics).text, "halls")
    first = api.get(f"/api/halls/{hall['id']}")
    for _ in range(5):
        again = api.get(f"/api/halls/{hall['id']}")
        assert again.content == first.content
    assert again.headers["content-encoding"] == "gzip"
    assert local_hits(httpx.get(metrics).text, "halls") >= before + 5
