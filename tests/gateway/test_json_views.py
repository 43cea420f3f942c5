"""Cached bodies are rendered byte for byte as FastAPI renders a route's response_model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway.routes.movies import MOVIE_PAGE
from gateway.routes.sessions import AGGREGATE, AGGREGATE_WITHOUT_SEATS, SESSION, AggregateOut
from gateway.schemas import MovieOut, Paginated

MOVIE = {
    "id": 7,
    "title": 'Amélie — «Le Fabuleux Destin» 🎬 \u2028 "quoted" \\ <b>',
    "description": "tab\there, control \u0001, newline\n",
    "year": 2001,
    "duration": 122,
    "age_rating": "",
    "movie_status": "now_showing",
    "genres": [{"id": 1, "name": "Comédie"}],
    "created_at": "2026-01-02T03:04:05.123456Z",
    "updated_at": "2026-01-02T03:04:05+00:00",
    "poster_url": None,
    "trailer_url": "https://example.com/t.mp4",
}


def session(start: datetime) -> dict[str, Any]:
    return {
        "id": 3,
        "movie_id": 7,
        "hall_id": 2,
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(hours=2)).isoformat(),
        "base_price": 12.3,
        "status": "scheduled",
        "prices": {"standard": 12.3, "vip": 18.45, "wheelchair": 9.84, "companion": 12.3},
    }


HALL = {
    "id": 2,
    "number": 4,
    "name": "Salle Lumière",
    "seats": [{"id": 1, "row": 1, "number": 1, "type": "vip"}],
}


async def fastapi_body(model: Any, content: Any) -> bytes:
    app = FastAPI()

    @app.get("/", response_model=model)
    async def answer() -> Any:
        return content

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return (await client.get("/")).content


async def test_a_movie_page_renders_as_fastapi_does() -> None:
    page = {
        "items": [MOVIE, MOVIE | {"id": 8, "year": 1999}],
        "total": 2,
        "page": 1,
        "page_size": 20,
    }
    assert MOVIE_PAGE.render(page).body == await fastapi_body(Paginated[MovieOut], page)
    assert MOVIE_PAGE.render(page).fresh_until is None


@pytest.mark.parametrize("view", [AGGREGATE, AGGREGATE_WITHOUT_SEATS])
async def test_an_aggregate_renders_as_fastapi_does_and_follows_the_sessions_clock(
    view: Any,
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    cached = {"session": session(start), "movie": MOVIE, "hall": HALL}
    rendered = view.render(cached)
    content, _ = view.shape(cached)
    assert rendered.body == await fastapi_body(AggregateOut, content)
    assert rendered.fresh_until == start.timestamp()
    assert (b'"seats"' in rendered.body) == (view is AGGREGATE)


async def test_a_session_under_way_is_ongoing_until_its_end() -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    rendered = SESSION.render(session(start))
    assert b'"status":"ongoing"' in rendered.body
    assert rendered.fresh_until == (start + timedelta(hours=2)).timestamp()


async def test_a_cancelled_session_never_changes() -> None:
    cancelled = session(datetime.now(UTC)) | {"status": "cancelled"}
    assert SESSION.render(cancelled).fresh_until is None
