"""Control characters (NUL, C0 and C1 controls) in any text field answer 422 at the gateway."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.gateway.fakes import FakeClients
from tests.gateway.helpers import a_genre, a_hall, a_movie, a_user, assert_error

P256DH = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
AUTH = "tBHItJI5svbpez7KI4CCXg"
BOOKING = "8d7f2b52-2a6e-4a3e-9a59-3f1f5c1b8b1e"
MOVIE = {"title": "Arrival", "year": 2016, "duration": 116, "movie_status": "now_showing"}
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f"]


def with_control(text: str) -> list[str]:
    return [f"a{control}{text}" for control in CONTROLS]


BODIES: list[tuple[str, str, dict[str, Any], str]] = [
    ("POST", "/api/auth/register", {"email": "a@b.co", "password": "Secret-123", "name": "{}"}, ""),
    ("POST", "/api/auth/register", {"email": "{}", "password": "Secret-123", "name": "Ada"}, ""),
    ("POST", "/api/auth/register", {"email": "a@b.co", "password": "{}", "name": "Ada"}, ""),
    ("POST", "/api/auth/login", {"email": "{}", "password": "Secret-123"}, ""),
    ("POST", "/api/auth/login", {"email": "a@b.co", "password": "{}"}, ""),
    ("POST", "/api/genres", {"name": "{}"}, "admin"),
    ("PUT", "/api/genres/3", {"name": "{}"}, "admin"),
    ("POST", "/api/halls", {"number": 1, "name": "{}"}, "admin"),
    ("PUT", "/api/halls/2", {"number": 1, "name": "{}"}, "admin"),
    ("POST", "/api/movies", MOVIE | {"title": "{}"}, "admin"),
    ("POST", "/api/movies", MOVIE | {"description": "{}"}, "admin"),
    ("PUT", "/api/movies/5", MOVIE | {"age_rating": "{}"}, "admin"),
    ("PUT", "/api/users/7", {"name": "{}"}, "user"),
    ("PUT", "/api/users/7", {"email": "{}"}, "user"),
    ("PUT", "/api/users/7", {"password": "{}"}, "user"),
    (
        "POST",
        "/api/me/push-subscriptions",
        {"endpoint": "https://push.example/{}", "keys": {"p256dh": P256DH, "auth": AUTH}},
        "user",
    ),
]


def fill(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        key: fill(value, text)
        if isinstance(value, dict)
        else value
        if not isinstance(value, str)
        else value.replace("{}", text)
        for key, value in body.items()
    }


def no_service_was_called(services: FakeClients) -> bool:
    return not (
        services.users.calls
        + services.movies.calls
        + services.cinema.calls
        + services.booking.calls
    )


@pytest.mark.parametrize(("method", "path", "body", "who"), BODIES)
@pytest.mark.parametrize("text", with_control("x"))
async def test_a_control_character_in_a_body_field_is_422(
    api: httpx.AsyncClient,
    services: FakeClients,
    user: dict[str, str],
    admin: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any],
    who: str,
    text: str,
) -> None:
    headers = {"user": user, "admin": admin}.get(who, {})
    response = await api.request(method, path, json=fill(body, text), headers=headers)
    assert_error(response, 422, "validation_error")
    assert no_service_was_called(services)


@pytest.mark.parametrize(
    ("method", "path", "who"),
    [
        ("GET", "/api/movies?q=a%00b", ""),
        ("GET", "/api/movies?q=a%C2%85b", ""),
        ("DELETE", "/api/me/push-subscriptions?endpoint=https://p.example/%00", "user"),
        ("GET", f"/api/bookings/{BOOKING}%00", "user"),
        ("POST", f"/api/bookings/{BOOKING}%01/confirm", "user"),
    ],
)
async def test_a_control_character_in_a_query_or_path_is_422(
    api: httpx.AsyncClient,
    services: FakeClients,
    user: dict[str, str],
    method: str,
    path: str,
    who: str,
) -> None:
    response = await api.request(method, path, headers=user if who else {})
    assert_error(response, 422, "validation_error")
    assert no_service_was_called(services)


async def test_a_control_character_in_the_idempotency_key_is_422(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    response = await api.post(
        "/api/bookings",
        json={"session_id": 4, "seats_id": [11]},
        headers=user | {"Idempotency-Key": "key\x01one"},
    )
    assert_error(response, 422, "validation_error")
    assert no_service_was_called(services)


async def test_a_movie_description_may_span_lines_and_hold_tabs(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.movies.replies["CreateMovie"] = a_movie()
    body = MOVIE | {"description": "First line.\n\tSecond line.\r\n"}
    response = await api.post("/api/movies", json=body, headers=admin)
    assert response.status_code == 201, response.text
    assert services.movies.last("CreateMovie").request.movie.description == body["description"]


@pytest.mark.parametrize("name", ["Drama\n", "Dra\tma"])
async def test_a_short_name_may_not_hold_a_newline_or_tab(
    api: httpx.AsyncClient, admin: dict[str, str], name: str
) -> None:
    assert_error(await api.post("/api/genres", json={"name": name}, headers=admin), 422)


async def test_ordinary_unicode_text_passes(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.movies.replies["CreateGenre"] = a_genre(name="Комедия ☃ 東京")
    services.cinema.replies["CreateHall"] = a_hall()
    services.users.replies["Register"] = a_user()
    assert (
        await api.post("/api/genres", json={"name": "Комедия ☃ 東京"}, headers=admin)
    ).is_success
    hall = {"number": 3, "name": "Salle \u00e9t\u00e9"}
    assert (await api.post("/api/halls", json=hall, headers=admin)).is_success
    registration = {"email": "zoë@example.com", "password": "Pässwörd-123", "name": "Zoë"}
    assert (await api.post("/api/auth/register", json=registration)).status_code == 201
