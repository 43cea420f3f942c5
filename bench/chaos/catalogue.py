"""The demo catalogue (deploy/demo.py's genres, films and halls) loaded through the REST API
as the admin, with one day of sessions, and the shoppers' accounts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from deploy.demo import BREAK_MINUTES, EVENING, GENRES, HALLS, MOVIES, DemoHall
from svckit.vocabulary import MOVIE_STATUS

USER_PASSWORD = "Chaos-User-Passw0rd"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _post(http: httpx.AsyncClient, path: str, token: str, body: dict[str, Any]) -> Any:
    response = await http.post(path, json=body, headers=bearer(token))
    response.raise_for_status()
    return response.json()


async def login(http: httpx.AsyncClient, email: str, password: str) -> str:
    response = await http.post("/api/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    return str(response.json()["access_token"])


async def load_catalogue(http: httpx.AsyncClient, admin: str) -> list[list[int]]:
    """Genres, films, halls with their vip and wheelchair seats, and tomorrow's sessions.

    Returns the session ids of each hall, in start order.
    """
    genres = {
        name: (await _post(http, "/api/genres", admin, {"name": name}))["id"] for name in GENRES
    }
    films = [
        await _post(
            http,
            "/api/movies",
            admin,
            {
                "title": movie.title,
                "description": movie.description,
                "year": movie.year,
                "duration": movie.duration,
                "age_rating": movie.age_rating,
                "movie_status": MOVIE_STATUS.label(movie.status),
                "genres_id": [genres[name] for name in movie.genres],
                "poster_url": movie.poster_url,
            },
        )
        for movie in MOVIES
    ]
    showing = [film for film in films if film["movie_status"] == "now_showing"]
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    sessions: list[list[int]] = []
    for index, plan in enumerate(HALLS):
        hall = await _create_hall(http, admin, plan)
        sessions.append([])
        for slot, start_at in enumerate(plan.starts):
            film = showing[(index + slot) % len(showing)]
            start = datetime.combine(tomorrow, start_at, tzinfo=UTC)
            end = start + timedelta(minutes=film["duration"] + BREAK_MINUTES)
            price = plan.evening_price_cents if start_at >= EVENING else plan.day_price_cents
            session = await _post(
                http,
                "/api/sessions",
                admin,
                {
                    "movie_id": film["id"],
                    "hall_id": hall["id"],
                    "start_time": start.isoformat(),
                    "end_time": end.isoformat(),
                    "base_price": price / 100,
                },
            )
            sessions[-1].append(int(session["id"]))
    return sessions


async def _create_hall(http: httpx.AsyncClient, admin: str, plan: DemoHall) -> Any:
    hall = await _post(
        http,
        "/api/halls",
        admin,
        {
            "number": plan.number,
            "name": plan.name,
            "rows": plan.rows,
            "seats_per_row": plan.seats_per_row,
        },
    )
    special = dict.fromkeys(plan.wheelchair, "wheelchair")
    special |= {
        (row, number): "vip" for row in plan.vip_rows for number in range(1, plan.seats_per_row + 1)
    }
    for seat in hall["seats"]:
        kind = special.get((seat["row"], seat["number"]))
        if kind is not None:
            response = await http.put(
                f"/api/seats/{seat['id']}",
                json={"row": seat["row"], "number": seat["number"], "type": kind},
                headers=bearer(admin),
            )
            response.raise_for_status()
    return hall


async def register_shoppers(http: httpx.AsyncClient, count: int) -> list[str]:
    """A fresh account for each shopper; returns their access tokens."""
    tokens = []
    for index in range(count):
        email = f"shopper-{index}@chaos.example"
        body = {"email": email, "password": USER_PASSWORD, "name": f"Shopper {index}"}
        (await http.post("/api/auth/register", json=body)).raise_for_status()
        tokens.append(await login(http, email, USER_PASSWORD))
    return tokens
