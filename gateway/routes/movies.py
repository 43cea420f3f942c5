"""Movies: anyone browses and searches them, admins create, replace and delete them."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from cinemapb.movie.v1 import movie_pb2
from gateway.cache import STALE_AFTER_MOVIE_WRITE
from gateway.convert import movie_out, paginated
from gateway.deps import AsAdmin, AsAnyone, Cache, Clients, Page
from gateway.json_views import JsonView
from gateway.openapi import ADMIN_ONLY, error_responses
from gateway.schemas import (
    IdFilter,
    IdItem,
    LongText,
    MediaUrl,
    MovieId,
    MovieOut,
    Paginated,
    Text,
)
from svckit.vocabulary import MOVIE_STATUS, MovieStatus

router = APIRouter(prefix="/api", tags=["movies"])

FIRST_FILM_YEAR, LAST_YEAR = 1888, 2100

MOVIE_PAGE = JsonView("movie-page", Paginated[MovieOut])
MOVIE = JsonView("movie", MovieOut)


class MovieIn(BaseModel):
    """A whole movie: POST creates it, PUT replaces every field (genres included)."""

    model_config = ConfigDict(strict=True)

    title: Text = Field(min_length=1, max_length=200, examples=["Arrival"])
    description: LongText = Field(default="", max_length=5000)
    year: int = Field(ge=FIRST_FILM_YEAR, le=LAST_YEAR, examples=[2016])
    duration: int = Field(ge=1, le=1000, description="running time in minutes", examples=[116])
    age_rating: Text = Field(
        default="",
        max_length=10,
        description="'' (unrated), G, PG, PG-13, R, NC-17, 0+, 6+, 12+, 16+ or 18+",
        examples=["PG-13"],
    )
    movie_status: MovieStatus
    genres_id: list[IdItem] = Field(
        default_factory=list, max_length=50, description="ids of existing genres"
    )
    poster_url: MediaUrl | None = Field(
        default=None, description="the poster picture; null or absent: none (a letter tile)"
    )
    trailer_url: MediaUrl | None = Field(default=None, description="null or absent: none")

    def to_pb(self) -> movie_pb2.MovieInput:
        fields = self.model_dump(exclude={"movie_status", "genres_id", "poster_url", "trailer_url"})
        return movie_pb2.MovieInput(
            **fields,
            movie_status=MOVIE_STATUS.number(self.movie_status),
            genre_ids=self.genres_id,
            poster_url=self.poster_url or "",
            trailer_url=self.trailer_url or "",
        )


@router.get(
    "/movies",
    response_model=Paginated[MovieOut],
    summary="Browse movies by title, filtered by genre, year, status and free text",
    description="Answers without a search text `q` are cached briefly; searches never are.",
)
async def list_movies(
    page: Page,
    clients: Clients,
    cache: Cache,
    metadata: AsAnyone,
    genre_id: IdFilter = None,
    year: Annotated[int | None, Query(ge=FIRST_FILM_YEAR, le=LAST_YEAR)] = None,
    status: Annotated[MovieStatus | None, Query(description="the movie_status")] = None,
    q: Annotated[
        Text, Query(max_length=200, description="text in the title or description, any case")
    ] = "",
) -> Response | dict[str, Any]:
    message = movie_pb2.ListMoviesRequest(page=page.page, page_size=page.page_size, query=q)
    if genre_id is not None:
        message.genre_id = genre_id
    if year is not None:
        message.year = year
    if status is not None:
        message.status = MOVIE_STATUS.number(status)

    async def load() -> dict[str, Any]:
        reply = await clients.movies.ListMovies(message, metadata=metadata)
        items = [movie_out(movie) for movie in reply.items]
        return paginated(items, reply.total, page).model_dump(mode="json")

    if q:
        return await load()  # a search text is open-ended: caching it would grow without bound
    params = {"genre_id": genre_id, "year": year, "status": status}
    key = "list:" + json.dumps(params | page.model_dump(), sort_keys=True)
    return await cache.respond("movies", key, load, MOVIE_PAGE)


@router.get(
    "/movies/{movie_id}",
    response_model=MovieOut,
    summary="One movie",
    responses=error_responses("movie_not_found"),
)
async def get_movie(
    movie_id: MovieId, clients: Clients, cache: Cache, metadata: AsAnyone
) -> Response:
    async def load() -> dict[str, Any]:
        movie = await clients.movies.GetMovie(
            movie_pb2.GetMovieRequest(id=movie_id), metadata=metadata
        )
        return movie_out(movie).model_dump(mode="json")

    return await cache.respond("movies", f"movie:{movie_id}", load, MOVIE)


@router.post(
    "/movies",
    status_code=201,
    response_model=MovieOut,
    summary="Create a movie (admin)",
    responses=error_responses(*ADMIN_ONLY, "validation_error", "unknown_genre"),
)
async def create_movie(
    body: MovieIn, metadata: AsAdmin, clients: Clients, cache: Cache
) -> MovieOut:
    movie = await clients.movies.CreateMovie(
        movie_pb2.CreateMovieRequest(movie=body.to_pb()), metadata=metadata
    )
    await cache.invalidate(STALE_AFTER_MOVIE_WRITE)
    return movie_out(movie)


@router.put(
    "/movies/{movie_id}",
    response_model=MovieOut,
    summary="Replace a movie (admin): every field, genres included",
    responses=error_responses(*ADMIN_ONLY, "movie_not_found", "validation_error", "unknown_genre"),
)
async def replace_movie(
    movie_id: MovieId, body: MovieIn, metadata: AsAdmin, clients: Clients, cache: Cache
) -> MovieOut:
    movie = await clients.movies.UpdateMovie(
        movie_pb2.UpdateMovieRequest(id=movie_id, movie=body.to_pb()), metadata=metadata
    )
    await cache.invalidate(STALE_AFTER_MOVIE_WRITE)
    return movie_out(movie)


@router.delete(
    "/movies/{movie_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a movie (admin)",
    responses=error_responses(*ADMIN_ONLY, "movie_not_found"),
)
async def delete_movie(
    movie_id: MovieId, metadata: AsAdmin, clients: Clients, cache: Cache
) -> Response:
    await clients.movies.DeleteMovie(movie_pb2.DeleteMovieRequest(id=movie_id), metadata=metadata)
    await cache.invalidate(STALE_AFTER_MOVIE_WRITE)
    return Response(status_code=204)
