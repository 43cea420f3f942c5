"""Genres through the gateway: listing, admin writes, conflicts, and their effect on movies."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.test_movies import assert_error, create_genre, create_movie, token
from tests.helpers import admin_token, bearer, new_user_token


@pytest.fixture
def admin(api: httpx.Client) -> dict[str, str]:
    return bearer(admin_token(api))


@pytest.fixture
def user(api: httpx.Client) -> dict[str, str]:
    return bearer(new_user_token(api))


def every_genre(api: httpx.Client) -> list[dict[str, Any]]:
    """All genres, page by page, checking each page's shape on the way."""
    genres: list[dict[str, Any]] = []
    page = 1
    while True:
        response = api.get("/api/genres", params={"page": page, "page_size": 100})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["page"], body["page_size"]) == (page, 100)
        genres += body["items"]
        if len(body["items"]) < 100:
            assert len(genres) == body["total"]
            return genres
        page += 1


def test_an_admin_creates_a_genre_and_anyone_lists_it(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    name = f"Noir {token()}"
    response = api.post("/api/genres", json={"name": f"  {name} "}, headers=admin)
    assert response.status_code == 201, response.text
    genre = response.json()
    assert genre == {"id": genre["id"], "name": name}
    assert genre["id"] > 0
    assert genre in every_genre(api)


def test_genre_pages_are_bounded_and_carry_the_total(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    for _ in range(3):
        create_genre(api, admin)
    first = api.get("/api/genres", params={"page_size": 2}).json()
    second = api.get("/api/genres", params={"page": 2, "page_size": 2}).json()
    assert len(first["items"]) == len(second["items"]) == 2
    assert first["total"] == second["total"] >= 3
    assert not {g["id"] for g in first["items"]} & {g["id"] for g in second["items"]}


def test_genre_names_are_unique_ignoring_case(api: httpx.Client, admin: dict[str, str]) -> None:
    genre = create_genre(api, admin)
    response = api.post("/api/genres", json={"name": genre["name"].upper()}, headers=admin)
    assert_error(response, 409, "genre_exists")
    other = create_genre(api, admin)
    response = api.put(
        f"/api/genres/{other['id']}", json={"name": genre["name"].lower()}, headers=admin
    )
    assert_error(response, 409, "genre_exists")


def test_a_renamed_genre_shows_its_new_name_in_movies_at_once(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    genre = create_genre(api, admin)
    movie = create_movie(api, admin, genres_id=[genre["id"]])
    path = f"/api/movies/{movie['id']}"
    assert api.get(path).json()["genres"] == [genre]
    assert api.get("/api/movies", params={"q": movie["title"]}).json()["items"][0]["genres"] == [
        genre
    ]

    new_name = f"Renamed {token()}"
    response = api.put(f"/api/genres/{genre['id']}", json={"name": new_name}, headers=admin)
    assert response.status_code == 200, response.text
    renamed = {"id": genre["id"], "name": new_name}
    assert response.json() == renamed
    assert api.get(path).json()["genres"] == [renamed]
    listed = api.get("/api/movies", params={"q": movie["title"]}).json()["items"]
    assert listed[0]["genres"] == [renamed]
    assert renamed in every_genre(api)


def test_a_deleted_genre_disappears_from_its_movies_at_once(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    kept, dropped = create_genre(api, admin), create_genre(api, admin)
    movie = create_movie(api, admin, genres_id=[kept["id"], dropped["id"]])
    path = f"/api/movies/{movie['id']}"
    assert len(api.get(path).json()["genres"]) == 2
    assert api.get("/api/movies", params={"genre_id": dropped["id"]}).json()["total"] == 1

    response = api.delete(f"/api/genres/{dropped['id']}", headers=admin)
    assert response.status_code == 204
    assert response.content == b""
    assert api.get(path).json()["genres"] == [kept]
    assert api.get("/api/movies", params={"genre_id": dropped["id"]}).json()["total"] == 0
    assert dropped not in every_genre(api)


def test_missing_genres_are_404(api: httpx.Client, admin: dict[str, str]) -> None:
    assert_error(
        api.put("/api/genres/999999999", json={"name": f"G {token()}"}, headers=admin),
        404,
        "genre_not_found",
    )
    assert_error(api.delete("/api/genres/999999999", headers=admin), 404, "genre_not_found")


def test_genre_writes_need_a_token_and_the_admin_role(
    api: httpx.Client, admin: dict[str, str], user: dict[str, str]
) -> None:
    genre = create_genre(api, admin)
    path = f"/api/genres/{genre['id']}"
    body = {"name": f"G {token()}"}
    for method, url, payload in [
        ("POST", "/api/genres", body),
        ("PUT", path, body),
        ("DELETE", path, None),
    ]:
        assert_error(api.request(method, url, json=payload), 401, "unauthenticated")
        assert_error(api.request(method, url, json=payload, headers=user), 403, "forbidden")
        assert_error(api.request(method, url, json=payload, headers=bearer("x.y.z")), 401)
    assert genre in every_genre(api)


def test_a_blank_genre_name_is_refused_by_the_service(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    assert_error(api.post("/api/genres", json={"name": "   "}, headers=admin), 422)
