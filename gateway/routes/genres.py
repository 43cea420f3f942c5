"""Genres: anyone lists them, admins create, rename and delete them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from cinemapb.movie.v1 import movie_pb2
from gateway.cache import STALE_AFTER_MOVIE_WRITE
from gateway.convert import genre_out, paginated
from gateway.deps import AsAdmin, AsAnyone, Cache, Clients, Page
from gateway.json_views import JsonView
from gateway.openapi import ADMIN_ONLY, error_responses
from gateway.schemas import GenreId, GenreOut, Paginated, Text

router = APIRouter(prefix="/api", tags=["genres"])

GENRE_PAGE = JsonView("genre-page", Paginated[GenreOut])


class GenreIn(BaseModel):
    model_config = ConfigDict(strict=True)

    name: Text = Field(
        min_length=1,
        max_length=100,
        description="unique ignoring case; surrounding spaces are dropped",
        examples=["Drama"],
    )


@router.get("/genres", response_model=Paginated[GenreOut], summary="Every genre, by name")
async def list_genres(page: Page, clients: Clients, cache: Cache, metadata: AsAnyone) -> Response:
    async def load() -> dict[str, Any]:
        reply = await clients.movies.ListGenres(
            movie_pb2.ListGenresRequest(page=page.page, page_size=page.page_size),
            metadata=metadata,
        )
        items = [genre_out(genre) for genre in reply.items]
        return paginated(items, reply.total, page).model_dump(mode="json")

    key = f"genres:{page.page}:{page.page_size}"
    return await cache.respond("movies", key, load, GENRE_PAGE)


@router.post(
    "/genres",
    status_code=201,
    response_model=GenreOut,
    summary="Create a genre (admin)",
    responses=error_responses(*ADMIN_ONLY, "genre_exists"),
)
async def create_genre(
    body: GenreIn, metadata: AsAdmin, clients: Clients, cache: Cache
) -> GenreOut:
    genre = await clients.movies.CreateGenre(
        movie_pb2.CreateGenreRequest(name=body.name), metadata=metadata
    )
    await cache.invalidate(STALE_AFTER_MOVIE_WRITE)
    return genre_out(genre)


@router.put(
    "/genres/{genre_id}",
    response_model=GenreOut,
    summary="Rename a genre (admin); its movies show the new name",
    responses=error_responses(*ADMIN_ONLY, "genre_not_found", "genre_exists"),
)
async def rename_genre(
    genre_id: GenreId, body: GenreIn, metadata: AsAdmin, clients: Clients, cache: Cache
) -> GenreOut:
    genre = await clients.movies.UpdateGenre(
        movie_pb2.UpdateGenreRequest(id=genre_id, name=body.name), metadata=metadata
    )
    await cache.invalidate(STALE_AFTER_MOVIE_WRITE)
    return genre_out(genre)


@router.delete(
    "/genres/{genre_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a genre (admin); movies simply lose it",
    responses=error_responses(*ADMIN_ONLY, "genre_not_found"),
)
async def delete_genre(
    genre_id: GenreId, metadata: AsAdmin, clients: Clients, cache: Cache
) -> Response:
    await clients.movies.DeleteGenre(movie_pb2.DeleteGenreRequest(id=genre_id), metadata=metadata)
    await cache.invalidate(STALE_AFTER_MOVIE_WRITE)
    return Response(status_code=204)
