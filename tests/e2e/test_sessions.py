"""Sessions through the gateway: scheduling rules, admin rights, errors, caching and events."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.events.v1 import events_pb2
from svckit.kafka import headers_dict, make_consumer
from tests.conftest import RunningStack
from tests.e2e.test_halls import assert_error, create_hall
from tests.helpers import admin_token, bearer, new_user_token

SESSION_FIELDS = {
    "id",
    "movie_id",
    "hall_id",
    "start_time",
    "end_time",
    "base_price",
    "status",
    "prices",
}


@pytest.fixture
def admin(api: httpx.Client) -> dict[str, str]:
    return bearer(admin_token(api))


@pytest.fixture
def user(api: httpx.Client) -> dict[str, str]:
    return bearer(new_user_token(api))


@pytest.fixture
def movie(api: httpx.Client, admin: dict[str, str]) -> dict[str, Any]:
    body = {
        "title": f"The Long Intermission {uuid.uuid4().hex[:8]}",
        "description": "Two projectionists keep a small cinema running through one winter.",
        "year": 2024,
        "duration": 104,
        "age_rating": "PG",
        "movie_status": "now_showing",
        "genres_id": [],
    }
    response = api.post("/api/movies", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def hall(api: httpx.Client, admin: dict[str, str]) -> dict[str, Any]:
    return create_hall(api, admin, name="Session Hall", rows=2, seats_per_row=4)


def at(hours: float) -> str:
    """An ISO 8601 time `hours` from now, whole minutes, in UTC."""
    moment = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=hours)
    return moment.isoformat()


def session_body(movie: dict[str, Any], hall: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "movie_id": movie["id"],
        "hall_id": hall["id"],
        "start_time": at(24),
        "end_time": at(26),
    }
    return body | changes


def create_session(api: httpx.Client, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    response = api.post("/api/sessions", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_an_admin_schedules_a_session_and_anyone_reads_it(
    api: httpx.Client, admin: dict[str, str], movie: dict[str, Any], hall: dict[str, Any]
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    body = session_body(
        movie,
        hall,
        start_time=start.isoformat(),
        end_time=(start + timedelta(minutes=120)).isoformat(),
        base_price=12.5,
    )
    session = create_session(api, admin, **body)
    assert set(session) == SESSION_FIELDS
    assert (session["movie_id"], session["hall_id"]) == (movie["id"], hall["id"])
    assert session["base_price"] == 12.5
    assert session["status"] == "scheduled"
    assert datetime.fromisoformat(session["start_time"]) == start
    assert datetime.fromisoformat(session["end_time"]) == start + timedelta(minutes=120)
    fetched = api.get(f"/api/sessions/{session['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == session


def test_times_in_other_zones_are_understood(
    api: httpx.Client, admin: dict[str, str], movie: dict[str, Any], hall: dict[str, Any]
) -> None:
    start = datetime(2031, 3, 1, 20, 0, tzinfo=UTC)
    body = session_body(
        movie, hall, start_time="2031-03-01T22:00:00+02:00", end_time="2031-03-01T17:30:00-05:00"
    )
    session = create_session(api, admin, **body)
    assert datetime.fromisoformat(session["start_time"]) == start
    assert datetime.fromisoformat(session["end_time"]) == start + timedelta(minutes=150)


def test_a_session_without_a_price_costs_ten(
    api: httpx.Client, admin: dict[str, str], movie: dict[str, Any], hall: dict[str, Any]
) -> None:
    session = create_session(api, admin, **session_body(movie, hall))
    assert session["base_price"] == 10.0


def test_sessions_are_filtered_by_movie_hall_and_day(
    api: httpx.Client, admin: dict[str, str], movie: dict[str, Any], hall: dict[str, Any]
) -> None:
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    evening = datetime(day.year, day.month, day.day, 19, tzinfo=UTC)
    late = create_session(
        api,
        admin,
        **session_body(
            movie,
            hall,
            start_time=evening.isoformat(),
            end_time=(evening + timedelta(hours=2)).isoformat(),
        ),
    )
    early = create_session(
        api,
        admin,
        **session_body(
            movie,
            hall,
            start_time=(evening - timedelta(hours=6)).isoformat(),
            end_time=(evening - timedelta(hours=4)).isoformat(),
        ),
    )
    next_day = create_session(
        api,
        admin,
        **session_body(
            movie,
            hall,
            start_time=(evening + timedelta(days=1)).isoformat(),
            end_time=(evening + timedelta(days=1, hours=2)).isoformat(),
        ),
    )

    def ids(**params: Any) -> list[int]:
        response = api.get("/api/sessions", params=params)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["items"]]

    assert ids(hall_id=hall["id"]) == [early["id"], late["id"], next_day["id"]]
    assert ids(hall_id=hall["id"], date=day.isoformat()) == [early["id"], late["id"]]
    assert ids(movie_id=movie["id"], page_size=100) == [early["id"], late["id"], next_day["id"]]
    page = api.get("/api/sessions", params={"hall_id": hall["id"], "page": 2, "page_size": 2})
    assert page.json() | {"items": None} == {
        "items": None,
        "total": 3,
        "page": 2,
        "page_size": 2,
    }
    assert [s["id"] for s in page.json()["items"]] == [next_day["id"]]


def test_the_aggregate_has_the_session_its_movie_and_its_hall(
    api: httpx.Client, admin: dict[str, str], movie: dict[str, Any], hall: dict[str, Any]
) -> None:
    session = create_session(api, admin, **session_body(movie, hall))
    response = api.get(f"/api/sessions/{session['id']}/aggregate")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["session"] == session
    assert body["movie"] == movie
    assert body["hall"] == api.get(f"/api/halls/{hall['id']}").json()
    assert len(body["hall"]["seats"]) == 8


def test_writes_are_visible_on_the_next_read(
    api: httpx.Client, admin: dict[str, str], movie: dict[str, Any], hall: dict[str, Any]
) -> None:
    listing = {"hall_id": hall["id"]}
    assert api.get("/api/sessions", params=listing).json()["total"] == 0
    session = create_session(api, admin, **session_body(movie, hall))
    path = f"/api/sessions/{session['id']}"
    assert api.get("/api/sessions", params=listing).json()["total"] == 1
    assert api.get(f"{path}/aggregate").json()["session"]["base_price"] == 10.0

    changed = api.put(path, json=session_body(movie, hall, base_price=9.99), headers=admin)
    assert changed.status_code == 200, changed.text
    assert changed.json()["base_price"] == 9.99
    assert api.get(path).json()["base_price"] == 9.99
    assert api.get("/api/sessions", params=listing).json()["items"][0]["base_price"] == 9.99
    assert api.get(f"{path}/aggregate").json()["session"]["base_price"] == 9.99

    kept = api.put(path, json=session_body(movie, hall, start_time=at(23)), headers=admin)
    assert kept.json()["base_price"] == 9.99

    api.post(f"/api/halls/{hall['id']}/seats", json={"row": 9, "number": 1}, headers=admin)
    assert len(api.get(f"{path}/aggregate").json()["hall"]["seats"]) == 9

    assert api.delete(path, headers=admin).status_code == 204
    assert api.get(path).json()["status"] == "cancelled"
    assert api.get("/api/sessions", params=listing).json()["items"][0]["status"] == "cancelled"
    assert api.get(f"{path}/aggregate").json()["session"]["status"] == "cancelled"


def test_overlapping_sessions_in_a_hall_are_409_until_one_is_cancelled(
    api: httpx.Client, admin: dict[str, str], movie: dict[str, Any], hall: dict[str, Any]
) -> None:
    first = create_session(api, admin, **session_body(movie, hall))
    overlapping = session_body(movie, hall, start_time=at(25), end_time=at(27))
    assert_error(api.post("/api/sessions", json=overlapping, headers=admin), 409, "session_overlap")
    second = create_session(
        api, admin, **session_body(movie, hall, start_time=at(27), end_time=at(29))
    )
    assert_error(
        api.put(f"/api/sessions/{second['id']}", json=overlapping, headers=admin),
        409,
        "session_overlap",
    )
    other_hall = create_hall(api, admin)
    create_session(api, admin, **session_body(movie, other_hall))
    assert api.delete(f"/api/sessions/{first['id']}", headers=admin).status_code == 204
    assert api.delete(f"/api/sessions/{first['id']}", headers=admin).status_code == 204
    create_session(api, admin, **overlapping)


def test_a_hall_with_sessions_cannot_be_deleted(
    api: httpx.Client, admin: dict[str, str], movie: dict[str, Any], hall: dict[str, Any]
) -> None:
    create_session(api, admin, **session_body(movie, hall))
    assert_error(api.delete(f"/api/halls/{hall['id']}", headers=admin), 409, "hall_in_use")


def test_twenty_concurrent_overlapping_creates_leave_exactly_one(
    running_stack: RunningStack,
    admin: dict[str, str],
    movie: dict[str, Any],
    hall: dict[str, Any],
) -> None:
    bodies = [
        session_body(movie, hall, start_time=at(30 + i / 12), end_time=at(32 + i / 12))
        for i in range(20)
    ]

    def post(body: dict[str, Any]) -> int:
        with httpx.Client(base_url=running_stack.base_url, timeout=30.0) as client:
            return client.post("/api/sessions", json=body, headers=admin).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(post, bodies))
    assert sorted(statuses) == [201] + [409] * 19


def test_session_writes_need_a_token_and_the_admin_role(
    api: httpx.Client,
    admin: dict[str, str],
    user: dict[str, str],
    movie: dict[str, Any],
    hall: dict[str, Any],
) -> None:
    session = create_session(api, admin, **session_body(movie, hall))
    body = session_body(movie, hall, start_time=at(40), end_time=at(42))
    path = f"/api/sessions/{session['id']}"
    for method, url, payload in [
        ("POST", "/api/sessions", body),
        ("PUT", path, body),
        ("DELETE", path, None),
    ]:
        assert_error(api.request(method, url, json=payload), 401, "unauthenticated")
        assert_error(api.request(method, url, json=payload, headers=user), 403, "forbidden")
    assert api.get(path).json() == session


def test_unknown_movies_halls_and_sessions_are_404(
    api: httpx.Client, admin: dict[str, str], movie: dict[str, Any], hall: dict[str, Any]
) -> None:
    missing = 2**62
    assert_error(
        api.post("/api/sessions", json=session_body({"id": missing}, hall), headers=admin),
        404,
        "movie_not_found",
    )
    assert_error(
        api.post("/api/sessions", json=session_body(movie, {"id": missing}), headers=admin),
        404,
        "hall_not_found",
    )
    path = f"/api/sessions/{missing}"
    assert_error(api.get(path), 404, "session_not_found")
    assert_error(api.get(f"{path}/aggregate"), 404, "session_not_found")
    assert_error(api.put(path, json=session_body(movie, hall), headers=admin), 404)
    assert_error(api.delete(path, headers=admin), 404, "session_not_found")


def test_a_deleted_movie_leaves_the_aggregate_without_a_movie(
    api: httpx.Client, admin: dict[str, str], movie: dict[str, Any], hall: dict[str, Any]
) -> None:
    session = create_session(api, admin, **session_body(movie, hall))
    assert api.delete(f"/api/movies/{movie['id']}", headers=admin).status_code == 204
    response = api.get(f"/api/sessions/{session['id']}/aggregate")
    assert response.status_code == 200, response.text
    assert response.json()["movie"] is None


@pytest.mark.parametrize(
    "changes",
    [
        {"start_time": at(-1), "end_time": at(1)},
        {"start_time": at(24), "end_time": at(24)},
        {"start_time": at(24), "end_time": at(23)},
    ],
)
def test_times_in_the_past_or_out_of_order_are_422(
    api: httpx.Client,
    admin: dict[str, str],
    movie: dict[str, Any],
    hall: dict[str, Any],
    changes: dict[str, Any],
) -> None:
    body = session_body(movie, hall, **changes)
    assert_error(api.post("/api/sessions", json=body, headers=admin), 422, "invalid_time_range")
    session = create_session(
        api, admin, **session_body(movie, hall, start_time=at(50), end_time=at(52))
    )
    assert_error(
        api.put(f"/api/sessions/{session['id']}", json=body, headers=admin),
        422,
        "invalid_time_range",
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"start_time": "2031-03-01T20:00:00"},
        {"start_time": "2031-03-01"},
        {"start_time": "tomorrow evening"},
        {"start_time": 1900000000},
        {"start_time": "2031-03-01T20:00:00Z" * 500},
        {"start_time": "0001-01-01T00:00:00+01:00"},
        {"end_time": "9999-12-31T23:30:00-05:00"},
        {"end_time": None},
        {"movie_id": "1"},
        {"movie_id": 0},
        {"movie_id": 2**63},
        {"hall_id": -1},
        {"hall_id": 1.5},
        {"base_price": 0},
        {"base_price": -5},
        {"base_price": 12.345},
        {"base_price": 10**30},
        {"base_price": True},
        {"base_price": "cheap"},
    ],
)
def test_malformed_session_fields_are_422(
    api: httpx.Client,
    admin: dict[str, str],
    movie: dict[str, Any],
    hall: dict[str, Any],
    changes: dict[str, Any],
) -> None:
    body = session_body(movie, hall, **changes)
    assert_error(api.post("/api/sessions", json=body, headers=admin), 422, "validation_error")


def test_malformed_requests_are_4xx_with_the_error_body(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    json_headers = admin | {"Content-Type": "application/json"}
    for raw in ['{"movie_id": 1,', "[1, 2", "null", '"session"']:
        assert_error(api.post("/api/sessions", content=raw, headers=json_headers), 422)
    for bad_id in ["abc", "0", "-3", str(2**64)]:
        assert_error(api.get(f"/api/sessions/{bad_id}"), 422, "validation_error")
        assert_error(api.get(f"/api/sessions/{bad_id}/aggregate"), 422, "validation_error")
        assert_error(api.delete(f"/api/sessions/{bad_id}", headers=admin), 422)
    bad_queries: list[dict[str, int | str]] = [
        {"date": "2031-13-01"},
        {"date": "yesterday"},
        {"movie_id": -1},
        {"hall_id": 2**64},
        {"page": -2},
        {"page_size": 1000},
    ]
    for params in bad_queries:
        assert_error(api.get("/api/sessions", params=params), 422, "validation_error")


def test_creating_and_cancelling_publish_session_changed_events(
    api: httpx.Client,
    running_stack: RunningStack,
    admin: dict[str, str],
    movie: dict[str, Any],
    hall: dict[str, Any],
) -> None:
    session = create_session(api, admin, **session_body(movie, hall))
    assert api.delete(f"/api/sessions/{session['id']}", headers=admin).status_code == 204

    consumer = make_consumer(
        running_stack.env["KAFKA_BOOTSTRAP_SERVERS"], f"test-cinema-{uuid.uuid4().hex}"
    )
    consumer.subscribe([running_stack.topic_prefix + "cinema.session-changed"])
    statuses: list[int] = []
    deadline = time.monotonic() + 30
    try:
        while len(statuses) < 2 and time.monotonic() < deadline:
            record = consumer.poll(0.5)
            if record is None or record.error() or record.key() != str(session["id"]).encode():
                continue
            value = record.value()
            assert value is not None
            event = events_pb2.SessionChanged.FromString(value)
            headers = headers_dict(record)
            assert headers["ce_type"] == "cinema.session.changed"
            assert headers["ce_source"] == "cinema_svc"
            assert headers["ce_id"] == event.event_id
            assert event.session.id == session["id"]
            statuses.append(event.session.status)
    finally:
        consumer.close()
    assert statuses == [cinema_pb2.SESSION_STATUS_SCHEDULED, cinema_pb2.SESSION_STATUS_CANCELLED]
