"""Genres, movies, halls and seats in process: admin checks, validation, conversion, caching."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.movie.v1 import movie_pb2
from gateway.cache import STALE_AFTER_MOVIE_WRITE, STALE_AFTER_SCHEDULE_WRITE
from svckit.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from tests.gateway.fakes import FakeCache, FakeClients, rpc_error
from tests.gateway.helpers import a_genre, a_hall, a_movie, a_seat, assert_error

MOVIE = {
    "title": "Arrival",
    "description": "Linguists.",
    "year": 2016,
    "duration": 116,
    "age_rating": "PG-13",
    "movie_status": "now_showing",
    "genres_id": [3],
}
ADMIN_WRITES = [
    ("POST", "/api/genres", {"name": "Drama"}),
    ("PUT", "/api/genres/3", {"name": "Drama"}),
    ("DELETE", "/api/genres/3", None),
    ("POST", "/api/movies", MOVIE),
    ("PUT", "/api/movies/5", MOVIE),
    ("DELETE", "/api/movies/5", None),
    ("POST", "/api/halls", {"number": 1}),
    ("PUT", "/api/halls/2", {"number": 1}),
    ("DELETE", "/api/halls/2", None),
    ("POST", "/api/halls/2/seats", {"row": 1, "number": 1}),
    ("PUT", "/api/seats/11", {"row": 1, "number": 1}),
    ("DELETE", "/api/seats/11", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_WRITES)
async def test_catalogue_writes_without_a_token_are_401(
    api: httpx.AsyncClient, services: FakeClients, method: str, path: str, body: Any
) -> None:
    assert_error(await api.request(method, path, json=body), 401, "unauthenticated")
    assert services.movies.calls == services.cinema.calls == []


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_WRITES)
async def test_catalogue_writes_by_a_user_are_403(
    api: httpx.AsyncClient,
    services: FakeClients,
    user: dict[str, str],
    method: str,
    path: str,
    body: Any,
) -> None:
    assert_error(await api.request(method, path, json=body, headers=user), 403, "forbidden")
    assert services.movies.calls == services.cinema.calls == []


async def test_genres_are_listed_a_page_at_a_time(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.movies.replies["ListGenres"] = movie_pb2.ListGenresResponse(items=[a_genre()], total=9)
    response = await api.get("/api/genres", params={"page": 2, "page_size": 1})
    assert response.json() == {
        "items": [{"id": 3, "name": "Drama"}],
        "total": 9,
        "page": 2,
        "page_size": 1,
    }
    request = services.movies.last("ListGenres").request
    assert (request.page, request.page_size) == (2, 1)


async def test_a_genre_write_drops_the_movie_caches(
    api: httpx.AsyncClient, services: FakeClients, cache: FakeCache, admin: dict[str, str]
) -> None:
    services.movies.replies["CreateGenre"] = a_genre()
    response = await api.post("/api/genres", json={"name": "Drama"}, headers=admin)
    assert response.status_code == 201
    assert response.json() == {"id": 3, "name": "Drama"}
    assert cache.invalidated == [STALE_AFTER_MOVIE_WRITE]


async def test_a_taken_genre_name_is_409_and_drops_no_cache(
    api: httpx.AsyncClient, services: FakeClients, cache: FakeCache, admin: dict[str, str]
) -> None:
    error = AlreadyExists("a genre named 'Drama' already exists", code="genre_exists")
    services.movies.replies["CreateGenre"] = rpc_error(error)
    response = await api.post("/api/genres", json={"name": "drama"}, headers=admin)
    assert_error(response, 409, "genre_exists")
    assert cache.invalidated == []


async def test_deleting_a_missing_genre_is_404(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.movies.replies["DeleteGenre"] = rpc_error(NotFound("gone", code="genre_not_found"))
    assert_error(await api.delete("/api/genres/3", headers=admin), 404, "genre_not_found")


async def test_a_movie_is_sent_and_answered_with_its_labels(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.movies.replies["CreateMovie"] = a_movie()
    response = await api.post("/api/movies", json=MOVIE, headers=admin)
    assert response.status_code == 201
    assert response.json() == {
        "id": 5,
        **{key: value for key, value in MOVIE.items() if key != "genres_id"},
        "genres": [{"id": 3, "name": "Drama"}],
        "created_at": "2030-03-17T17:46:40Z",
        "updated_at": "2030-03-17T17:46:40Z",
        "poster_url": None,
        "trailer_url": None,
    }
    sent = services.movies.last("CreateMovie").request.movie
    assert sent.movie_status == movie_pb2.MOVIE_STATUS_NOW_SHOWING
    assert list(sent.genre_ids) == [3]


async def test_a_poster_and_a_trailer_go_to_the_service_and_come_back(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    poster, trailer = "/static/posters/arrival.svg", "https://video.example.com/arrival"
    stored = a_movie()
    stored.poster_url, stored.trailer_url = poster, trailer
    services.movies.replies["UpdateMovie"] = stored
    body = MOVIE | {"poster_url": poster, "trailer_url": trailer}

    response = await api.put("/api/movies/5", json=body, headers=admin)

    assert response.status_code == 200, response.text
    assert (response.json()["poster_url"], response.json()["trailer_url"]) == (poster, trailer)
    sent = services.movies.last("UpdateMovie").request.movie
    assert (sent.poster_url, sent.trailer_url) == (poster, trailer)


async def test_a_movie_without_a_poster_is_sent_without_one(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.movies.replies["CreateMovie"] = a_movie()
    await api.post("/api/movies", json=MOVIE | {"poster_url": None}, headers=admin)
    sent = services.movies.last("CreateMovie").request.movie
    assert (sent.poster_url, sent.trailer_url) == ("", "")


@pytest.mark.parametrize(
    "change",
    [
        {"poster_url": "javascript:alert(document.cookie)"},
        {"poster_url": "data:image/svg+xml,<svg onload=alert(1)>"},
        {"poster_url": "http://example.com/poster.jpg"},
        {"poster_url": "//example.com/poster.jpg"},
        {"trailer_url": "javascript:alert(1)"},
        {"trailer_url": "https://user:pw@example.com/t"},
    ],
)
async def test_unsafe_poster_and_trailer_urls_are_422_naming_the_field(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str], change: dict[str, Any]
) -> None:
    response = await api.post("/api/movies", json=MOVIE | change, headers=admin)
    assert_error(response, 422, "validation_error")
    assert response.json()["fields"][0]["field"] == next(iter(change))
    assert services.movies.calls == []


async def test_movie_filters_reach_the_service(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.movies.replies["ListMovies"] = movie_pb2.ListMoviesResponse(items=[a_movie()])
    params: dict[str, str | int] = {
        "genre_id": 3,
        "year": 2016,
        "status": "coming_soon",
        "q": "arr",
    }
    response = await api.get("/api/movies", params=params)
    assert response.json()["items"][0]["movie_status"] == "now_showing"
    request = services.movies.last("ListMovies").request
    assert (request.genre_id, request.year, request.query) == (3, 2016, "arr")
    assert request.status == movie_pb2.MOVIE_STATUS_COMING_SOON


@pytest.mark.parametrize(
    "change",
    [
        {"title": ""},
        {"year": 1887},
        {"duration": 0},
        {"movie_status": "showing"},
        {"genres_id": [0]},
        {"year": "2016"},
        {"age_rating": "x" * 11},
    ],
)
async def test_invalid_movie_fields_are_422_before_any_service_call(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str], change: dict[str, Any]
) -> None:
    response = await api.post("/api/movies", json=MOVIE | change, headers=admin)
    assert_error(response, 422, "validation_error")
    assert services.movies.calls == []


async def test_unknown_genres_are_422_naming_them(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    error = InvalidArgument("unknown genres", code="unknown_genre", details={"genre_ids": [3]})
    services.movies.replies["UpdateMovie"] = rpc_error(error)
    response = await api.put("/api/movies/5", json=MOVIE, headers=admin)
    assert_error(response, 422, "unknown_genre")
    assert response.json()["genre_ids"] == [3]


async def test_a_hall_is_answered_with_its_seats_and_their_types(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.cinema.replies["GetHall"] = a_hall()
    response = await api.get("/api/halls/2")
    assert response.json() == {
        "id": 2,
        "number": 12,
        "name": "Red Hall",
        "seats": [{"id": 11, "row": 1, "number": 4, "type": "vip"}],
    }


async def test_a_hall_layout_needs_rows_and_seats_per_row_together(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    response = await api.post("/api/halls", json={"number": 1, "rows": 5}, headers=admin)
    assert_error(response, 422, "validation_error")
    assert services.cinema.calls == []


async def test_a_seat_is_added_with_its_type_number_and_drops_the_schedule_caches(
    api: httpx.AsyncClient, services: FakeClients, cache: FakeCache, admin: dict[str, str]
) -> None:
    services.cinema.replies["AddSeat"] = a_seat(seat_type=cinema_pb2.SEAT_TYPE_WHEELCHAIR)
    body = {"row": 1, "number": 4, "type": "wheelchair"}
    response = await api.post("/api/halls/2/seats", json=body, headers=admin)
    assert response.status_code == 201
    assert response.json() == {"id": 11, "row": 1, "number": 4, "type": "wheelchair", "hall_id": 2}
    request = services.cinema.last("AddSeat").request
    assert (request.hall_id, request.type) == (2, cinema_pb2.SEAT_TYPE_WHEELCHAIR)
    assert cache.invalidated == [STALE_AFTER_SCHEDULE_WRITE]


async def test_a_seat_is_moved_and_retyped_by_its_id(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.cinema.replies["UpdateSeat"] = a_seat()
    body = {"row": 1, "number": 4, "type": "vip"}
    assert (await api.put("/api/seats/11", json=body, headers=admin)).status_code == 200
    request = services.cinema.last("UpdateSeat").request
    assert (request.id, request.row, request.number, request.type) == (
        11,
        1,
        4,
        cinema_pb2.SEAT_TYPE_VIP,
    )


@pytest.mark.parametrize(
    "body",
    [{"row": 0, "number": 1}, {"row": 1, "number": 201}, {"row": 1, "number": 1, "type": "sofa"}],
)
async def test_invalid_seats_are_422(
    api: httpx.AsyncClient, admin: dict[str, str], body: dict[str, Any]
) -> None:
    assert_error(await api.put("/api/seats/11", json=body, headers=admin), 422, "validation_error")


async def test_a_hall_with_sessions_is_409_hall_in_use(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.cinema.replies["DeleteHall"] = rpc_error(Conflict("busy", code="hall_in_use"))
    assert_error(await api.delete("/api/halls/2", headers=admin), 409, "hall_in_use")


# Moved from tests/e2e/test_genres.py: the gateway answers these without asking a service.


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "n" * 101},
        {"name": 123},
        {"name": None},
        {"name": ["Drama"]},
        {},
        [],
        "Drama",
    ],
)
async def test_invalid_genre_bodies_are_422(
    api: httpx.AsyncClient, admin: dict[str, str], body: Any
) -> None:
    assert_error(await api.post("/api/genres", json=body, headers=admin), 422)
    assert_error(await api.put("/api/genres/1", json=body, headers=admin), 422)


@pytest.mark.parametrize("content", [b"{", b'{"name": }', b"", b"\xff"])
async def test_malformed_genre_json_is_a_4xx_with_the_error_body(
    api: httpx.AsyncClient, admin: dict[str, str], content: bytes
) -> None:
    headers = admin | {"Content-Type": "application/json"}
    response = await api.post("/api/genres", content=content, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert {"error", "code"} <= set(response.json())


@pytest.mark.parametrize(
    "params", [{"page": -1}, {"page": 10**30}, {"page_size": 1000}, {"page_size": "x"}]
)
async def test_bad_genre_pages_are_422(api: httpx.AsyncClient, params: dict[str, Any]) -> None:
    assert_error(await api.get("/api/genres", params=params), 422, "validation_error")


@pytest.mark.parametrize("genre_id", ["0", "-3", str(10**30), "drama"])
async def test_bad_genre_ids_are_422(
    api: httpx.AsyncClient, admin: dict[str, str], genre_id: str
) -> None:
    assert_error(await api.put(f"/api/genres/{genre_id}", json={"name": "X"}, headers=admin), 422)
    assert_error(await api.delete(f"/api/genres/{genre_id}", headers=admin), 422)
