"""Genres: anyone lists them, admins create, rename and delete them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from cinemapb.movie.v1 import movie_pb2
from gateway.deps import AdminUser, Cache, Clients, Page, grpc_metadata
from gateway.schemas import ErrorBody, Paginated

router = APIRouter(prefix="/api", tags=["genres"])

MAX_ID = 2**63 - 1
GenreId = Annotated[int, Path(ge=1, le=MAX_ID, description="the genre's id")]

CATALOGUE_CACHES = ("movies", "aggregate")
"""What a catalogue write makes stale: movie pages embed genres, session aggregates embed movies."""

ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid access token"},
    403: {"model": ErrorBody, "description": "Not an admin"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such genre (genre_not_found)"}
}
NAME_TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "Name taken, ignoring case (genre_exists)"}
}


class GenreOut(BaseModel):
    id: int
    name: str


class GenreIn(BaseModel):
    model_config = ConfigDict(strict=True)

    name: str = Field(
        min_length=1,
        max_length=100,
        description="unique ignoring case; surrounding spaces are dropped",
        examples=["Drama"],
    )


def genre_out(genre: movie_pb2.Genre) -> GenreOut:
    return GenreOut(id=genre.id, name=genre.name)


@router.get("/genres", response_model=Paginated[GenreOut], summary="Every genre, by name")
async def list_genres(
    page: Page, clients: Clients, cache: Cache, request: Request
) -> dict[str, Any]:
    async def load() -> dict[str, Any]:
        reply = await clients.movies.ListGenres(
            movie_pb2.ListGenresRequest(page=page.page, page_size=page.page_size),
            metadata=grpc_metadata(None, request),
        )
        return Paginated[GenreOut](
            items=[genre_out(genre) for genre in reply.items],
            total=reply.total,
            page=page.page,
            page_size=page.page_size,
        ).model_dump(mode="json")

    key = f"genres:{page.page}:{page.page_size}"
    cached: dict[str, Any] = await cache.get_or_load("movies", key, load)
    return cached


@router.post(
    "/genres",
    status_code=201,
    response_model=GenreOut,
    summary="Create a genre (admin)",
    responses={**ADMIN_ERRORS, **NAME_TAKEN},
)
async def create_genre(
    body: GenreIn, caller: AdminUser, clients: Clients, cache: Cache, request: Request
) -> GenreOut:
    genre = await clients.movies.CreateGenre(
        movie_pb2.CreateGenreRequest(name=body.name), metadata=grpc_metadata(caller, request)
    )
    await cache.invalidate(CATALOGUE_CACHES)
    return genre_out(genre)


@router.put(
    "/genres/{genre_id}",
    response_model=GenreOut,
    summary="Rename a genre (admin); its movies show the new name",
    responses={**ADMIN_ERRORS, **NOT_FOUND, **NAME_TAKEN},
)
async def rename_genre(
    genre_id: GenreId,
    body: GenreIn,
    caller: AdminUser,
    clients: Clients,
    cache: Cache,
    request: Request,
) -> GenreOut:
    genre = await clients.movies.UpdateGenre(
        movie_pb2.UpdateGenreRequest(id=genre_id, name=body.name),
        metadata=grpc_metadata(caller, request),
    )
    await cache.invalidate(CATALOGUE_CACHES)
    return genre_out(genre)


@router.delete(
    "/genres/{genre_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a genre (admin); movies simply lose it",
    responses={**ADMIN_ERRORS, **NOT_FOUND},
)
async def delete_genre(
    genre_id: GenreId, caller: AdminUser, clients: Clients, cache: Cache, request: Request
) -> Response:
    await clients.movies.DeleteGenre(
        movie_pb2.DeleteGenreRequest(id=genre_id), metadata=grpc_metadata(caller, request)
    )
    await cache.invalidate(CATALOGUE_CACHES)
    return Response(status_code=204)
