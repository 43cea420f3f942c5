"""Every movie and genre change leaves an audit entry in its own transaction; admins read them;
movies are listed by ids for report labels."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cinemapb.audit.v1 import audit_pb2
from cinemapb.movie.v1 import movie_pb2
from movie_svc import domain
from movie_svc.catalogue import Catalogue
from movie_svc.grpc_api import MovieServiceServicer
from svckit.errors import AlreadyExists, ServiceError
from svckit.identity import Caller, acting_as
from svckit.paging import PageRequest
from tests.movie_svc.test_catalogue import draft

EVERYTHING = PageRequest(1, 100)


async def test_changes_are_audited_and_refused_changes_are_not(catalogue: Catalogue) -> None:
    drama = await catalogue.create_genre("Drama")
    await catalogue.rename_genre(drama.id, "Dramas")
    with pytest.raises(AlreadyExists):
        await catalogue.create_genre("dramas")
    movie = await catalogue.create_movie(draft(genre_ids=[drama.id]))
    await catalogue.replace_movie(movie.id, draft(title="Arrival (2016)"))
    await catalogue.delete_movie(movie.id)
    await catalogue.delete_genre(drama.id)

    rows, total = await catalogue.audit_entries("", None, EVERYTHING)
    assert total == 6
    assert [(r.entity, r.action) for r in rows] == [
        ("genre", "deleted"),
        ("movie", "deleted"),
        ("movie", "updated"),
        ("movie", "created"),
        ("genre", "updated"),
        ("genre", "created"),
    ]
    assert rows[2].changes["title"] == "Arrival (2016)"
    assert rows[3].changes["genre_ids"] == [drama.id]
    assert {r.user_id for r in rows} == {1}
    one, count = await catalogue.audit_entries("genre", drama.id, PageRequest(1, 1))
    assert (count, [r.action for r in one]) == (3, ["deleted"])


async def test_only_admins_read_the_audit_and_movies_are_listed_by_ids(
    empty_engine: AsyncEngine,
) -> None:
    servicer = MovieServiceServicer(empty_engine)
    context: Any = None
    with acting_as(Caller(1, "admin")):
        first = await servicer.CreateMovie(
            movie_pb2.CreateMovieRequest(
                movie=movie_pb2.MovieInput(
                    title="A", year=2000, duration=90, movie_status=movie_pb2.MOVIE_STATUS_ENDED
                )
            ),
            context,
        )
        await servicer.CreateMovie(
            movie_pb2.CreateMovieRequest(
                movie=movie_pb2.MovieInput(
                    title="B", year=2000, duration=90, movie_status=movie_pb2.MOVIE_STATUS_ENDED
                )
            ),
            context,
        )
        trail = await servicer.ListAudit(audit_pb2.ListAuditRequest(entity="movie"), context)
        assert trail.total == 2
        assert json.loads(trail.items[-1].changes_json)["title"] == "A"
    listed = await servicer.ListMovies(movie_pb2.ListMoviesRequest(ids=[first.id]), context)
    assert [m.title for m in listed.items] == ["A"]
    for who in (None, Caller(2, "user"), Caller(3, "staff")):
        with acting_as(who), pytest.raises(ServiceError):
            await servicer.ListAudit(audit_pb2.ListAuditRequest(), context)


def test_a_movie_filter_by_ids_is_plain() -> None:
    wanted = domain.movie_filter(genre_id=None, year=None, status="", query="", ids=(3, 4))
    assert wanted.ids == (3, 4)
