"""Movies through the gateway: browsing, search, admin writes, errors, and no stale cached reads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.helpers import admin_token, bearer, new_user_token


@pytest.fixture
def admin(api: httpx.Client) -> dict[str, str]:
    return bearer(admin_token(api))


@pytest.fixture
def user(api: httpx.Client) -> dict[str, str]:
    return bearer(new_user_token(api))


def token() -> str:
    """A word no other test's movie contains, to search for this test's movies only."""
    return f"zq{uuid.uuid4().hex[:10]}"


def movie_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": f"Arrival {token()}",
        "description": "A linguist learns the heptapods' language.",
        "year": 2016,
        "duration": 116,
        "age_rating": "PG-13",
        "movie_status": "now_showing",
        "genres_id": [],
    }
    return body | changes


def create_movie(api: httpx.Client, admin: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = api.post("/api/movies", json=movie_body(**changes), headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def create_genre(api: httpx.Client, admin: dict[str, str], name: str = "") -> dict[str, Any]:
    response = api.post("/api/genres", json={"name": name or f"Genre {token()}"}, headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


def titles(api: httpx.Client, **params: Any) -> list[str]:
    response = api.get("/api/movies", params=params)
    assert response.status_code == 200, response.text
    return [movie["title"] for movie in response.json()["items"]]


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["code"], str)
    if code is not None:
        assert body["code"] == code


def test_an_admin_creates_a_movie_and_gets_it_back_whole(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    drama = create_genre(api, admin)
    scifi = create_genre(api, admin)
    body = movie_body(genres_id=[scifi["id"], drama["id"]], movie_status="coming_soon")
    response = api.post("/api/movies", json=body, headers=admin)
    assert response.status_code == 201, response.text
    movie = response.json()
    assert movie["id"] > 0
    for field in ("title", "description", "year", "duration", "age_rating", "movie_status"):
        assert movie[field] == body[field]
    assert sorted(movie["genres"], key=lambda g: g["id"]) == sorted(
        [drama, scifi], key=lambda g: g["id"]
    )
    for stamp in (movie["created_at"], movie["updated_at"]):
        assert datetime.fromisoformat(stamp).tzinfo is not None
    assert api.get(f"/api/movies/{movie['id']}").json() == movie


def test_anyone_reads_a_movie_but_a_missing_one_is_404(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    movie = create_movie(api, admin)
    response = api.get(f"/api/movies/{movie['id']}")
    assert response.status_code == 200
    assert response.json()["title"] == movie["title"]
    assert_error(api.get("/api/movies/999999999"), 404, "movie_not_found")


def test_a_put_replaces_every_field_including_genres(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    old, new = create_genre(api, admin), create_genre(api, admin)
    movie = create_movie(api, admin, genres_id=[old["id"]])
    body = movie_body(
        title=f"Arrival Redux {token()}",
        description="",
        year=2017,
        duration=120,
        age_rating="16+",
        movie_status="ended",
        genres_id=[new["id"]],
    )
    response = api.put(f"/api/movies/{movie['id']}", json=body, headers=admin)
    assert response.status_code == 200, response.text
    replaced = response.json()
    for field in ("title", "description", "year", "duration", "age_rating", "movie_status"):
        assert replaced[field] == body[field]
    assert replaced["genres"] == [new]
    assert replaced["id"] == movie["id"]
    assert replaced["created_at"] == movie["created_at"]
    assert api.get(f"/api/movies/{movie['id']}").json() == replaced


def test_writing_a_missing_movie_is_404(api: httpx.Client, admin: dict[str, str]) -> None:
    assert_error(
        api.put("/api/movies/999999999", json=movie_body(), headers=admin), 404, "movie_not_found"
    )
    assert_error(api.delete("/api/movies/999999999", headers=admin), 404, "movie_not_found")


def test_unknown_genres_are_422_naming_them(api: httpx.Client, admin: dict[str, str]) -> None:
    known = create_genre(api, admin)
    response = api.post(
        "/api/movies", json=movie_body(genres_id=[known["id"], 999999998]), headers=admin
    )
    assert_error(response, 422, "unknown_genre")
    assert response.json()["genre_ids"] == [999999998]
    movie = create_movie(api, admin)
    response = api.put(
        f"/api/movies/{movie['id']}", json=movie_body(genres_id=[999999997]), headers=admin
    )
    assert_error(response, 422, "unknown_genre")


def test_a_deleted_movie_is_gone_at_once(api: httpx.Client, admin: dict[str, str]) -> None:
    movie = create_movie(api, admin)
    assert api.get(f"/api/movies/{movie['id']}").status_code == 200
    assert titles(api, q=movie["title"]) == [movie["title"]]

    response = api.delete(f"/api/movies/{movie['id']}", headers=admin)
    assert response.status_code == 204
    assert response.content == b""
    assert_error(api.get(f"/api/movies/{movie['id']}"), 404, "movie_not_found")
    assert titles(api, q=movie["title"]) == []
    assert_error(api.delete(f"/api/movies/{movie['id']}", headers=admin), 404)


def test_movie_writes_need_a_token_and_the_admin_role(
    api: httpx.Client, admin: dict[str, str], user: dict[str, str]
) -> None:
    movie = create_movie(api, admin)
    path = f"/api/movies/{movie['id']}"
    writes = [
        ("POST", "/api/movies", movie_body()),
        ("PUT", path, movie_body()),
        ("DELETE", path, None),
    ]
    for method, url, body in writes:
        assert_error(api.request(method, url, json=body), 401, "unauthenticated")
        assert_error(api.request(method, url, json=body, headers=user), 403, "forbidden")
        bad_token = bearer("not-a-jwt")
        assert_error(api.request(method, url, json=body, headers=bad_token), 401)
    assert api.get(path).json() == movie


def test_a_write_is_visible_on_the_very_next_read(api: httpx.Client, admin: dict[str, str]) -> None:
    word = token()
    movie = create_movie(api, admin, title=f"Before {word}")
    path = f"/api/movies/{movie['id']}"
    assert api.get(path).json()["title"] == f"Before {word}"
    assert titles(api, q=word) == [f"Before {word}"]

    api.put(path, json=movie_body(title=f"After {word}"), headers=admin).raise_for_status()
    assert api.get(path).json()["title"] == f"After {word}"
    assert titles(api, q=word) == [f"After {word}"]

    second = create_movie(api, admin, title=f"Second {word}")
    assert titles(api, q=word) == [f"After {word}", f"Second {word}"]
    api.delete(f"/api/movies/{second['id']}", headers=admin).raise_for_status()
    assert titles(api, q=word) == [f"After {word}"]


def test_filters_combine_genre_year_status_and_text(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    word = token()
    drama, comedy = create_genre(api, admin), create_genre(api, admin)
    create_movie(api, admin, title=f"A {word}", year=2001, genres_id=[drama["id"]])
    create_movie(
        api,
        admin,
        title=f"B {word}",
        year=2001,
        movie_status="ended",
        genres_id=[drama["id"], comedy["id"]],
    )
    create_movie(api, admin, title=f"C {word}", year=2002, genres_id=[comedy["id"]])
    create_movie(api, admin, title="D", description=f"About {word.upper()}", year=2001)

    assert titles(api, genre_id=drama["id"]) == [f"A {word}", f"B {word}"]
    assert titles(api, genre_id=comedy["id"], year=2001) == [f"B {word}"]
    assert titles(api, genre_id=drama["id"], status="now_showing") == [f"A {word}"]
    assert titles(api, q=word) == [f"A {word}", f"B {word}", f"C {word}", "D"]
    assert titles(api, q=word, year=2001) == [f"A {word}", f"B {word}", "D"]
    assert titles(api, q=word, status="ended") == [f"B {word}"]
    assert titles(api, q=word, year=2002, status="ended") == []
    assert titles(api, q=word, genre_id=comedy["id"], year=2002, status="now_showing") == [
        f"C {word}"
    ]


def test_pages_carry_the_total_and_a_stable_title_order(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    word = token()
    for name in ("Echo", "Alpha", "Delta", "Bravo", "Alpha"):
        create_movie(api, admin, title=f"{name} {word}")
    pages = [
        api.get("/api/movies", params={"q": word, "page": n, "page_size": 2}).json()
        for n in (1, 2, 3, 4)
    ]
    assert [(p["page"], p["page_size"], p["total"]) for p in pages] == [
        (1, 2, 5),
        (2, 2, 5),
        (3, 2, 5),
        (4, 2, 5),
    ]
    listed = [movie["title"].split()[0] for page in pages for movie in page["items"]]
    assert listed == ["Alpha", "Alpha", "Bravo", "Delta", "Echo"]
    alphas = [movie["id"] for movie in pages[0]["items"]]
    assert alphas == sorted(alphas)


def test_search_text_is_taken_literally(api: httpx.Client, admin: dict[str, str]) -> None:
    word = token()
    create_movie(api, admin, title=f"100% {word}")
    create_movie(api, admin, title=f"1000 {word}")
    create_movie(api, admin, title=f"a_b {word}")
    create_movie(api, admin, title=f"axb {word}")
    assert titles(api, q=f"% {word}") == [f"100% {word}"]
    assert titles(api, q=f"_b {word}") == [f"a_b {word}"]


def test_sql_in_the_search_text_finds_only_matching_titles(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    injection = "'; DROP TABLE movies; --"
    movie = create_movie(api, admin, title=f"Bobby {token()} {injection}")
    assert movie["title"] in titles(api, q=injection)
    assert titles(api, q="' OR '1'='1") == []
    assert api.get(f"/api/movies/{movie['id']}").status_code == 200


def test_movie_status_is_one_of_the_contract_labels(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    for status in ("coming_soon", "now_showing", "ended"):
        assert create_movie(api, admin, movie_status=status)["movie_status"] == status
    response = api.post("/api/movies", json=movie_body(movie_status="playing"), headers=admin)
    assert_error(response, 422, "validation_error")


@pytest.mark.parametrize(
    "body",
    [
        movie_body(title=""),
        movie_body(title="x" * 201),
        movie_body(description="x" * 5001),
        movie_body(year=1887),
        movie_body(year=10**30),
        movie_body(year="2016"),
        movie_body(year=2016.5),
        movie_body(duration=0),
        movie_body(duration=-5),
        movie_body(duration=10**30),
        movie_body(duration=True),
        movie_body(age_rating="x" * 11),
        movie_body(age_rating="PG-99"),
        movie_body(movie_status="NOW_SHOWING"),
        movie_body(movie_status=None),
        movie_body(genres_id=[10**30]),
        movie_body(genres_id=[0]),
        movie_body(genres_id="1"),
        movie_body(genres_id=list(range(1, 52))),
        movie_body(title=["a"]),
        {"title": "Only a title"},
        [],
        "a string",
        None,
    ],
)
def test_invalid_movie_bodies_are_422_and_never_5xx(
    api: httpx.Client, admin: dict[str, str], body: Any
) -> None:
    created = api.post("/api/movies", json=body, headers=admin)
    assert_error(created, 422)
    replaced = api.put("/api/movies/1", json=body, headers=admin)
    assert_error(replaced, 422)


@pytest.mark.parametrize(
    "content",
    [b"{", b'{"title": "x",}', b"\xff\xfe", b"", b"[1, 2"],
)
def test_malformed_json_is_a_4xx_with_the_error_body(
    api: httpx.Client, admin: dict[str, str], content: bytes
) -> None:
    headers = admin | {"Content-Type": "application/json"}
    response = api.post("/api/movies", content=content, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    assert {"error", "code"} <= set(response.json())


@pytest.mark.parametrize(
    "params",
    [
        {"page": -1},
        {"page": 0},
        {"page": 10**30},
        {"page_size": 1000},
        {"page_size": 0},
        {"page_size": "ten"},
        {"year": 10**30},
        {"year": "nineteen"},
        {"genre_id": 10**30},
        {"genre_id": -1},
        {"status": "playing"},
        {"q": "q" * 201},
    ],
)
def test_bad_list_parameters_are_422(api: httpx.Client, params: dict[str, Any]) -> None:
    assert_error(api.get("/api/movies", params=params), 422, "validation_error")


@pytest.mark.parametrize("movie_id", ["0", "-1", str(10**30), "abc", "1.5"])
def test_bad_movie_ids_are_422(api: httpx.Client, admin: dict[str, str], movie_id: str) -> None:
    path = f"/api/movies/{movie_id}"
    assert_error(api.get(path), 422)
    assert_error(api.put(path, json=movie_body(), headers=admin), 422)
    assert_error(api.delete(path, headers=admin), 422)
