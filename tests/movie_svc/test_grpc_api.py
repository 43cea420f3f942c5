"""MovieService over real gRPC: who may write, statuses and error codes, protobuf shapes."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import grpc
import pytest

from cinemapb.movie.v1 import movie_pb2
from svckit.errors import error_from_trailers
from svckit.identity import Caller
from tests.identity import metadata_of

if TYPE_CHECKING:
    from cinemapb.movie.v1.movie_pb2_grpc import MovieServiceAsyncStub

ADMIN = metadata_of(Caller(user_id=1, role="admin"))
USER = metadata_of(Caller(user_id=2, role="user"))


def movie_input(**changes: Any) -> movie_pb2.MovieInput:
    fields: dict[str, Any] = {
        "title": "Heat",
        "description": "Cops and robbers in Los Angeles.",
        "year": 1995,
        "duration": 170,
        "age_rating": "R",
        "movie_status": movie_pb2.MOVIE_STATUS_ENDED,
    }
    return movie_pb2.MovieInput(**(fields | changes))


async def failure(call: Awaitable[Any]) -> tuple[grpc.StatusCode, str, dict[str, object]]:
    """The status code, error code and details of a call expected to fail."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    code, details = error_from_trailers(caught.value.trailing_metadata())
    return caught.value.code(), code, details


async def test_writes_need_a_caller_and_the_admin_role(stub: MovieServiceAsyncStub) -> None:
    create = movie_pb2.CreateGenreRequest(name="Drama")
    assert (await failure(stub.CreateGenre(create)))[:2] == (
        grpc.StatusCode.UNAUTHENTICATED,
        "unauthenticated",
    )
    assert (await failure(stub.CreateGenre(create, metadata=USER)))[:2] == (
        grpc.StatusCode.PERMISSION_DENIED,
        "forbidden",
    )
    movie = movie_pb2.CreateMovieRequest(movie=movie_input())
    for write in (
        stub.CreateMovie(movie, metadata=USER),
        stub.UpdateMovie(movie_pb2.UpdateMovieRequest(id=1, movie=movie_input()), metadata=USER),
        stub.DeleteMovie(movie_pb2.DeleteMovieRequest(id=1), metadata=USER),
        stub.UpdateGenre(movie_pb2.UpdateGenreRequest(id=1, name="X"), metadata=USER),
        stub.DeleteGenre(movie_pb2.DeleteGenreRequest(id=1), metadata=USER),
    ):
        assert (await failure(write))[0] == grpc.StatusCode.PERMISSION_DENIED
    assert (await stub.ListGenres(movie_pb2.ListGenresRequest())).total == 0


async def test_reads_are_public(stub: MovieServiceAsyncStub) -> None:
    genre = await stub.CreateGenre(movie_pb2.CreateGenreRequest(name="Crime"), metadata=ADMIN)
    created = await stub.CreateMovie(
        movie_pb2.CreateMovieRequest(movie=movie_input(genre_ids=[genre.id])), metadata=ADMIN
    )
    assert (await stub.GetMovie(movie_pb2.GetMovieRequest(id=created.id))) == created
    listed = await stub.ListMovies(movie_pb2.ListMoviesRequest())
    assert list(listed.items) == [created]
    genres = await stub.ListGenres(movie_pb2.ListGenresRequest())
    assert list(genres.items) == [genre]


async def test_a_created_movie_comes_back_complete(stub: MovieServiceAsyncStub) -> None:
    genre = await stub.CreateGenre(movie_pb2.CreateGenreRequest(name="Crime"), metadata=ADMIN)
    movie = await stub.CreateMovie(
        movie_pb2.CreateMovieRequest(movie=movie_input(genre_ids=[genre.id])), metadata=ADMIN
    )
    assert movie.id > 0
    assert (movie.title, movie.year, movie.duration, movie.age_rating) == ("Heat", 1995, 170, "R")
    assert movie.movie_status == movie_pb2.MOVIE_STATUS_ENDED
    assert list(movie.genres) == [genre]
    assert movie.created_at.seconds > 0
    assert movie.updated_at == movie.created_at


async def test_a_poster_and_a_trailer_are_stored_replaced_and_cleared(
    stub: MovieServiceAsyncStub,
) -> None:
    poster, trailer = "/static/posters/heat.svg", "https://video.example.com/heat"
    created = await stub.CreateMovie(
        movie_pb2.CreateMovieRequest(movie=movie_input(poster_url=poster, trailer_url=trailer)),
        metadata=ADMIN,
    )
    assert (created.poster_url, created.trailer_url) == (poster, trailer)
    fetched = await stub.GetMovie(movie_pb2.GetMovieRequest(id=created.id))
    assert (fetched.poster_url, fetched.trailer_url) == (poster, trailer)

    replaced = await stub.UpdateMovie(
        movie_pb2.UpdateMovieRequest(id=created.id, movie=movie_input()), metadata=ADMIN
    )
    assert (replaced.poster_url, replaced.trailer_url) == ("", "")


async def test_errors_carry_their_status_code_and_details(stub: MovieServiceAsyncStub) -> None:
    await stub.CreateGenre(movie_pb2.CreateGenreRequest(name="Crime"), metadata=ADMIN)
    assert await failure(
        stub.CreateGenre(movie_pb2.CreateGenreRequest(name=" crime "), metadata=ADMIN)
    ) == (grpc.StatusCode.ALREADY_EXISTS, "genre_exists", {})
    assert await failure(stub.GetMovie(movie_pb2.GetMovieRequest(id=77))) == (
        grpc.StatusCode.NOT_FOUND,
        "movie_not_found",
        {},
    )
    assert await failure(stub.DeleteGenre(movie_pb2.DeleteGenreRequest(id=77), metadata=ADMIN)) == (
        grpc.StatusCode.NOT_FOUND,
        "genre_not_found",
        {},
    )
    assert await failure(
        stub.CreateMovie(
            movie_pb2.CreateMovieRequest(movie=movie_input(genre_ids=[77, 78])), metadata=ADMIN
        )
    ) == (grpc.StatusCode.INVALID_ARGUMENT, "unknown_genre", {"genre_ids": [77, 78]})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 5001}, "description"),
        ({"year": 1887}, "year"),
        ({"year": 2101}, "year"),
        ({"duration": 0}, "duration"),
        ({"duration": 1001}, "duration"),
        ({"age_rating": "PG-99"}, "age_rating"),
        ({"movie_status": movie_pb2.MOVIE_STATUS_UNSPECIFIED}, "movie_status"),
        ({"movie_status": 42}, "movie_status"),
        ({"genre_ids": list(range(1, 52))}, "genres_id"),
        ({"poster_url": "javascript:alert(1)"}, "poster_url"),
        ({"poster_url": "http://example.com/p.jpg"}, "poster_url"),
        ({"trailer_url": "//example.com/trailer"}, "trailer_url"),
    ],
)
async def test_the_service_itself_refuses_invalid_movies(
    stub: MovieServiceAsyncStub, changes: dict[str, object], field: str
) -> None:
    request = movie_pb2.CreateMovieRequest(movie=movie_input(**changes))
    status, code, details = await failure(stub.CreateMovie(request, metadata=ADMIN))
    assert (status, code, details) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid_argument",
        {"field": field},
    )


@pytest.mark.parametrize(
    "request_",
    [
        movie_pb2.ListMoviesRequest(page=-1),
        movie_pb2.ListMoviesRequest(page_size=101),
        movie_pb2.ListMoviesRequest(page_size=-5),
        movie_pb2.ListMoviesRequest(query="q" * 201),
    ],
)
async def test_the_service_refuses_bad_list_requests(
    stub: MovieServiceAsyncStub, request_: movie_pb2.ListMoviesRequest
) -> None:
    assert (await failure(stub.ListMovies(request_)))[0] == grpc.StatusCode.INVALID_ARGUMENT


async def test_genre_names_are_trimmed_and_bounded(stub: MovieServiceAsyncStub) -> None:
    genre = await stub.CreateGenre(movie_pb2.CreateGenreRequest(name="  Noir "), metadata=ADMIN)
    assert genre.name == "Noir"
    for name in ("", "   ", "n" * 101):
        request = movie_pb2.CreateGenreRequest(name=name)
        assert (await failure(stub.CreateGenre(request, metadata=ADMIN)))[0] == (
            grpc.StatusCode.INVALID_ARGUMENT
        )


async def test_the_status_filter_maps_the_protobuf_enum(stub: MovieServiceAsyncStub) -> None:
    for status in (movie_pb2.MOVIE_STATUS_COMING_SOON, movie_pb2.MOVIE_STATUS_NOW_SHOWING):
        await stub.CreateMovie(
            movie_pb2.CreateMovieRequest(movie=movie_input(movie_status=status)), metadata=ADMIN
        )
    found = await stub.ListMovies(
        movie_pb2.ListMoviesRequest(status=movie_pb2.MOVIE_STATUS_COMING_SOON)
    )
    assert [m.movie_status for m in found.items] == [movie_pb2.MOVIE_STATUS_COMING_SOON]
    assert found.total == 1
    everything = await stub.ListMovies(movie_pb2.ListMoviesRequest())
    assert everything.total == 2


async def test_control_characters_are_refused_before_the_service_sees_them(
    stub: MovieServiceAsyncStub,
) -> None:
    request = movie_pb2.CreateGenreRequest(name="Film\x00Noir")
    status, code, details = await failure(stub.CreateGenre(request, metadata=ADMIN))
    assert (status, code) == (grpc.StatusCode.INVALID_ARGUMENT, "validation_error")
    assert details["fields"] == ["name"]
    search = movie_pb2.ListMoviesRequest(query="a\x00b")
    assert (await failure(stub.ListMovies(search)))[0] == grpc.StatusCode.INVALID_ARGUMENT
