"""MovieService over gRPC: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.empty_pb2 import Empty
from sqlalchemy.ext.asyncio import AsyncEngine

from cinemapb.audit.v1 import audit_pb2
from cinemapb.movie.v1 import movie_pb2, movie_pb2_grpc
from movie_svc import domain
from movie_svc.catalogue import Catalogue
from movie_svc.models import audit_log
from svckit.audit import AuditTrail, audit_entry_pb
from svckit.db import make_sessionmaker
from svckit.identity import current_caller, require_admin
from svckit.protoconv import to_timestamp
from svckit.vocabulary import MOVIE_STATUS

Context = grpc.aio.ServicerContext[Any, Any]
AUDITED_ENTITIES = ("movie", "genre")


def status_label(number: movie_pb2.MovieStatus.ValueType) -> str:
    """'' for MOVIE_STATUS_UNSPECIFIED; a number this service does not know is refused."""
    if number == 0:
        return ""
    try:
        return MOVIE_STATUS.label(number)
    except ValueError:
        raise domain.invalid("movie_status", f"unknown value {number}") from None


def genre_pb(genre: domain.Genre) -> movie_pb2.Genre:
    return movie_pb2.Genre(id=genre.id, name=genre.name)


def movie_pb(movie: domain.Movie) -> movie_pb2.Movie:
    return movie_pb2.Movie(
        id=movie.id,
        title=movie.title,
        description=movie.description,
        year=movie.year,
        duration=movie.duration,
        age_rating=movie.age_rating,
        movie_status=MOVIE_STATUS.number(movie.movie_status),
        genres=[genre_pb(genre) for genre in movie.genres],
        created_at=to_timestamp(movie.created_at),
        updated_at=to_timestamp(movie.updated_at),
    )


def movie_draft(movie: movie_pb2.MovieInput) -> domain.MovieDraft:
    return domain.movie_draft(
        title=movie.title,
        description=movie.description,
        year=movie.year,
        duration=movie.duration,
        age_rating=movie.age_rating,
        status=status_label(movie.movie_status),
        genre_ids=list(movie.genre_ids),
    )


def movie_filter(request: movie_pb2.ListMoviesRequest) -> domain.MovieFilter:
    return domain.movie_filter(
        genre_id=request.genre_id if request.HasField("genre_id") else None,
        year=request.year if request.HasField("year") else None,
        status=status_label(request.status),
        query=request.query,
        ids=tuple(request.ids),
    )


class MovieServiceServicer(movie_pb2_grpc.MovieServiceServicer):
    def __init__(self, engine: AsyncEngine) -> None:
        self.catalogue = Catalogue(
            make_sessionmaker(engine), AuditTrail(audit_log, AUDITED_ENTITIES)
        )

    async def ListGenres(
        self, request: movie_pb2.ListGenresRequest, context: Context
    ) -> movie_pb2.ListGenresResponse:
        page = domain.page_request(request.page, request.page_size)
        found = await self.catalogue.list_genres(page)
        return movie_pb2.ListGenresResponse(
            items=[genre_pb(genre) for genre in found.items], total=found.total
        )

    async def CreateGenre(
        self, request: movie_pb2.CreateGenreRequest, context: Context
    ) -> movie_pb2.Genre:
        require_admin(current_caller())
        return genre_pb(await self.catalogue.create_genre(domain.genre_name(request.name)))

    async def UpdateGenre(
        self, request: movie_pb2.UpdateGenreRequest, context: Context
    ) -> movie_pb2.Genre:
        require_admin(current_caller())
        name = domain.genre_name(request.name)
        return genre_pb(await self.catalogue.rename_genre(request.id, name))

    async def DeleteGenre(self, request: movie_pb2.DeleteGenreRequest, context: Context) -> Empty:
        require_admin(current_caller())
        await self.catalogue.delete_genre(request.id)
        return Empty()

    async def ListMovies(
        self, request: movie_pb2.ListMoviesRequest, context: Context
    ) -> movie_pb2.ListMoviesResponse:
        wanted = movie_filter(request)
        page = domain.page_request(request.page, request.page_size)
        found = await self.catalogue.list_movies(wanted, page)
        return movie_pb2.ListMoviesResponse(
            items=[movie_pb(movie) for movie in found.items], total=found.total
        )

    async def GetMovie(
        self, request: movie_pb2.GetMovieRequest, context: Context
    ) -> movie_pb2.Movie:
        return movie_pb(await self.catalogue.get_movie(request.id))

    async def CreateMovie(
        self, request: movie_pb2.CreateMovieRequest, context: Context
    ) -> movie_pb2.Movie:
        require_admin(current_caller())
        return movie_pb(await self.catalogue.create_movie(movie_draft(request.movie)))

    async def UpdateMovie(
        self, request: movie_pb2.UpdateMovieRequest, context: Context
    ) -> movie_pb2.Movie:
        require_admin(current_caller())
        draft = movie_draft(request.movie)
        return movie_pb(await self.catalogue.replace_movie(request.id, draft))

    async def DeleteMovie(self, request: movie_pb2.DeleteMovieRequest, context: Context) -> Empty:
        require_admin(current_caller())
        await self.catalogue.delete_movie(request.id)
        return Empty()

    async def ListAudit(
        self, request: audit_pb2.ListAuditRequest, context: Context
    ) -> audit_pb2.ListAuditResponse:
        require_admin(current_caller())
        page = domain.page_request(request.page, request.page_size)
        entity_id = request.entity_id if request.HasField("entity_id") else None
        rows, total = await self.catalogue.audit_entries(request.entity, entity_id, page)
        return audit_pb2.ListAuditResponse(items=[audit_entry_pb(r) for r in rows], total=total)
