"""Movies: anyone browses and searches them, admins create, replace and delete them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from cinemapb.movie.v1 import movie_pb2
from gateway.deps import AdminUser, Cache, Clients, Page, grpc_metadata
from gateway.routes.genres import ADMIN_ERRORS, CATALOGUE_CACHES, MAX_ID, GenreOut, genre_out
from gateway.schemas import ErrorBody, Paginated
from svckit.protoconv import from_timestamp

router = APIRouter(prefix="/api", tags=["movies"])

MovieStatus = Literal["coming_soon", "now_showing", "ended"]
STATUS_NUMBERS = {
    label: movie_pb2.MovieStatus.Value(f"MOVIE_STATUS_{label.upper()}")
    for label in get_args(MovieStatus)
}
STATUS_LABELS: dict[int, MovieStatus] = {number: label for label, number in STATUS_NUMBERS.items()}

FIRST_FILM_YEAR, LAST_YEAR = 1888, 2100
MovieId = Annotated[int, Path(ge=1, le=MAX_ID, description="the movie's id")]
GenreIdItem = Annotated[int, Field(ge=1, le=MAX_ID)]

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such movie (movie_not_found)"}
}
UNKNOWN_GENRE: dict[int | str, dict[str, Any]] = {
    422: {
        "model": ErrorBody,
        "description": "Invalid field, or genres that do not exist (unknown_genre, genre_ids)",
    }
}


class MovieOut(BaseModel):
    id: int
    title: str
    description: str
    year: int
    duration: int = Field(description="running time in minutes")
    age_rating: str
    movie_status: MovieStatus
    genres: list[GenreOut]
    created_at: datetime
    updated_at: datetime


class MovieIn(BaseModel):
    """A whole movie: POST creates it, PUT replaces every field (genres included)."""

    model_config = ConfigDict(strict=True)

    title: str = Field(min_length=1, max_length=200, examples=["Arrival"])
    description: str = Field(default="", max_length=5000)
    year: int = Field(ge=FIRST_FILM_YEAR, le=LAST_YEAR, examples=[2016])
    duration: int = Field(ge=1, le=1000, description="running time in minutes", examples=[116])
    age_rating: str = Field(
        default="",
        max_length=10,
        description="'' (unrated), G, PG, PG-13, R, NC-17, 0+, 6+, 12+, 16+ or 18+",
        examples=["PG-13"],
    )
    movie_status: MovieStatus
    genres_id: list[GenreIdItem] = Field(
        default_factory=list, max_length=50, description="ids of existing genres"
    )

    def to_pb(self) -> movie_pb2.MovieInput:
        return movie_pb2.MovieInput(
            title=self.title,
            description=self.description,
            year=self.year,
            duration=self.duration,
            age_rating=self.age_rating,
            movie_status=STATUS_NUMBERS[self.movie_status],
            genre_ids=self.genres_id,
        )


def movie_out(movie: movie_pb2.Movie) -> MovieOut:
    return MovieOut(
        id=movie.id,
        title=movie.title,
        description=movie.description,
        year=movie.year,
        duration=movie.duration,
        age_rating=movie.age_rating,
        movie_status=STATUS_LABELS[movie.movie_status],
        genres=[genre_out(genre) for genre in movie.genres],
        created_at=from_timestamp(movie.created_at),
        updated_at=from_timestamp(movie.updated_at),
    )


@router.get(
    "/movies",
    response_model=Paginated[MovieOut],
    summary="Browse movies by title, filtered by genre, year, status and free text",
)
async def list_movies(
    page: Page,
    clients: Clients,
    cache: Cache,
    request: Request,
    genre_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    year: Annotated[int | None, Query(ge=FIRST_FILM_YEAR, le=LAST_YEAR)] = None,
    status: Annotated[MovieStatus | None, Query(description="the movie_status")] = None,
    q: Annotated[
        str, Query(max_length=200, description="text in the title or description, any case")
    ] = "",
) -> dict[str, Any]:
    message = movie_pb2.ListMoviesRequest(page=page.page, page_size=page.page_size, query=q)
    if genre_id is not None:
        message.genre_id = genre_id
    if year is not None:
        message.year = year
    if status is not None:
        message.status = STATUS_NUMBERS[status]

    async def load() -> dict[str, Any]:
        reply = await clients.movies.ListMovies(message, metadata=grpc_metadata(None, request))
        return Paginated[MovieOut](
            items=[movie_out(movie) for movie in reply.items],
            total=reply.total,
            page=page.page,
            page_size=page.page_size,
        ).model_dump(mode="json")

    params = {"genre_id": genre_id, "year": year, "status": status, "q": q}
    key = "list:" + json.dumps(params | page.model_dump(), sort_keys=True)
    cached: dict[str, Any] = await cache.get_or_load("movies", key, load)
    return cached


@router.get("/movies/{movie_id}", response_model=MovieOut, summary="One movie", responses=NOT_FOUND)
async def get_movie(
    movie_id: MovieId, clients: Clients, cache: Cache, request: Request
) -> dict[str, Any]:
    async def load() -> dict[str, Any]:
        movie = await clients.movies.GetMovie(
            movie_pb2.GetMovieRequest(id=movie_id), metadata=grpc_metadata(None, request)
        )
        return movie_out(movie).model_dump(mode="json")

    cached: dict[str, Any] = await cache.get_or_load("movies", f"movie:{movie_id}", load)
    return cached


@router.post(
    "/movies",
    status_code=201,
    response_model=MovieOut,
    summary="Create a movie (admin)",
    responses={**ADMIN_ERRORS, **UNKNOWN_GENRE},
)
async def create_movie(
    body: MovieIn, caller: AdminUser, clients: Clients, cache: Cache, request: Request
) -> MovieOut:
    movie = await clients.movies.CreateMovie(
        movie_pb2.CreateMovieRequest(movie=body.to_pb()), metadata=grpc_metadata(caller, request)
    )
    await cache.invalidate(CATALOGUE_CACHES)
    return movie_out(movie)


@router.put(
    "/movies/{movie_id}",
    response_model=MovieOut,
    summary="Replace a movie (admin): every field, genres included",
    responses={**ADMIN_ERRORS, **NOT_FOUND, **UNKNOWN_GENRE},
)
async def replace_movie(
    movie_id: MovieId,
    body: MovieIn,
    caller: AdminUser,
    clients: Clients,
    cache: Cache,
    request: Request,
) -> MovieOut:
    movie = await clients.movies.UpdateMovie(
        movie_pb2.UpdateMovieRequest(id=movie_id, movie=body.to_pb()),
        metadata=grpc_metadata(caller, request),
    )
    await cache.invalidate(CATALOGUE_CACHES)
    return movie_out(movie)


@router.delete(
    "/movies/{movie_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a movie (admin)",
    responses={**ADMIN_ERRORS, **NOT_FOUND},
)
async def delete_movie(
    movie_id: MovieId, caller: AdminUser, clients: Clients, cache: Cache, request: Request
) -> Response:
    await clients.movies.DeleteMovie(
        movie_pb2.DeleteMovieRequest(id=movie_id), metadata=grpc_metadata(caller, request)
    )
    await cache.invalidate(CATALOGUE_CACHES)
    return Response(status_code=204)
