"""The catalogue's use cases: one transaction each, domain errors for what is missing, and an
audit entry for every change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from movie_svc import domain
from movie_svc.repository import CatalogueRepository
from svckit.audit import AuditTrail
from svckit.db import reading
from svckit.paging import PageRequest


def _audited(movie: domain.Movie) -> dict[str, Any]:
    """A movie's fields as its audit entry keeps them."""
    return {
        "title": movie.title,
        "description": movie.description,
        "year": movie.year,
        "duration": movie.duration,
        "age_rating": movie.age_rating,
        "movie_status": movie.movie_status,
        "genre_ids": sorted(genre.id for genre in movie.genres),
    }


class Catalogue:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], audit: AuditTrail) -> None:
        self.sessions = sessions
        self.audit = audit

    async def list_genres(self, page: PageRequest) -> domain.PageOf[domain.Genre]:
        async with reading(self.sessions) as session:
            return await CatalogueRepository(session).list_genres(page)

    async def create_genre(self, name: str) -> domain.Genre:
        async with self.sessions.begin() as session:
            genre = await CatalogueRepository(session).add_genre(name)
            await self.audit.record(session, "genre", genre.id, "created", {"name": name})
            return genre

    async def rename_genre(self, genre_id: int, name: str) -> domain.Genre:
        async with self.sessions.begin() as session:
            genre = await CatalogueRepository(session).rename_genre(genre_id, name)
            if genre is None:
                raise domain.genre_not_found(genre_id)
            await self.audit.record(session, "genre", genre_id, "updated", {"name": name})
            return genre

    async def delete_genre(self, genre_id: int) -> None:
        async with self.sessions.begin() as session:
            deleted = await CatalogueRepository(session).delete_genre(genre_id)
            if not deleted:
                raise domain.genre_not_found(genre_id)
            await self.audit.record(session, "genre", genre_id, "deleted", {})

    async def list_movies(
        self, wanted: domain.MovieFilter, page: PageRequest
    ) -> domain.PageOf[domain.Movie]:
        async with reading(self.sessions) as session:
            return await CatalogueRepository(session).list_movies(wanted, page)

    async def get_movie(self, movie_id: int) -> domain.Movie:
        async with reading(self.sessions) as session:
            movie = await CatalogueRepository(session).get_movie(movie_id)
        if movie is None:
            raise domain.movie_not_found(movie_id)
        return movie

    async def create_movie(self, draft: domain.MovieDraft) -> domain.Movie:
        async with self.sessions.begin() as session:
            movie = await CatalogueRepository(session).add_movie(draft)
            await self.audit.record(session, "movie", movie.id, "created", _audited(movie))
            return movie

    async def replace_movie(self, movie_id: int, draft: domain.MovieDraft) -> domain.Movie:
        async with self.sessions.begin() as session:
            movie = await CatalogueRepository(session).replace_movie(movie_id, draft)
            if movie is None:
                raise domain.movie_not_found(movie_id)
            await self.audit.record(session, "movie", movie_id, "updated", _audited(movie))
            return movie

    async def delete_movie(self, movie_id: int) -> None:
        async with self.sessions.begin() as session:
            deleted = await CatalogueRepository(session).delete_movie(movie_id)
            if not deleted:
                raise domain.movie_not_found(movie_id)
            await self.audit.record(session, "movie", movie_id, "deleted", {})

    async def audit_entries(
        self, entity: str, entity_id: int | None, page: PageRequest
    ) -> tuple[Sequence[Row[Any]], int]:
        async with reading(self.sessions) as session:
            return await self.audit.list(session, entity, entity_id, page)
