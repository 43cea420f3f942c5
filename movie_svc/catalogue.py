"""The catalogue's use cases: one transaction each, domain errors for what is missing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from movie_svc import domain
from movie_svc.repository import CatalogueRepository
from svckit.paging import PageRequest


class Catalogue:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def list_genres(self, page: PageRequest) -> domain.PageOf[domain.Genre]:
        async with self.sessions() as session:
            return await CatalogueRepository(session).list_genres(page)

    async def create_genre(self, name: str) -> domain.Genre:
        async with self.sessions.begin() as session:
            return await CatalogueRepository(session).add_genre(name)

    async def rename_genre(self, genre_id: int, name: str) -> domain.Genre:
        async with self.sessions.begin() as session:
            genre = await CatalogueRepository(session).rename_genre(genre_id, name)
        if genre is None:
            raise domain.genre_not_found(genre_id)
        return genre

    async def delete_genre(self, genre_id: int) -> None:
        async with self.sessions.begin() as session:
            deleted = await CatalogueRepository(session).delete_genre(genre_id)
        if not deleted:
            raise domain.genre_not_found(genre_id)

    async def list_movies(
        self, wanted: domain.MovieFilter, page: PageRequest
    ) -> domain.PageOf[domain.Movie]:
        async with self.sessions() as session:
            return await CatalogueRepository(session).list_movies(wanted, page)

    async def get_movie(self, movie_id: int) -> domain.Movie:
        async with self.sessions() as session:
            movie = await CatalogueRepository(session).get_movie(movie_id)
        if movie is None:
            raise domain.movie_not_found(movie_id)
        return movie

    async def create_movie(self, draft: domain.MovieDraft) -> domain.Movie:
        async with self.sessions.begin() as session:
            return await CatalogueRepository(session).add_movie(draft)

    async def replace_movie(self, movie_id: int, draft: domain.MovieDraft) -> domain.Movie:
        async with self.sessions.begin() as session:
            movie = await CatalogueRepository(session).replace_movie(movie_id, draft)
        if movie is None:
            raise domain.movie_not_found(movie_id)
        return movie

    async def delete_movie(self, movie_id: int) -> None:
        async with self.sessions.begin() as session:
            deleted = await CatalogueRepository(session).delete_movie(movie_id)
        if not deleted:
            raise domain.movie_not_found(movie_id)
