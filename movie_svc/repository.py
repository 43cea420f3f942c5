"""SQL for the catalogue, inside a transaction the caller owns; bound parameters only."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg.errors import UniqueViolation
from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from movie_svc import domain, models
from movie_svc.models import movie_genres
from svckit.paging import PageRequest

LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """The text with LIKE's wildcards and escape character taken literally."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return text


def to_genre(row: models.Genre) -> domain.Genre:
    return domain.Genre(id=row.id, name=row.name)


def to_movie(row: models.Movie) -> domain.Movie:
    genres = sorted((to_genre(g) for g in row.genres), key=lambda g: (g.name.lower(), g.id))
    return domain.Movie(
        id=row.id,
        title=row.title,
        description=row.description,
        year=row.year,
        duration=row.duration,
        age_rating=row.age_rating,
        movie_status=domain.movie_status(row.movie_status),
        genres=tuple(genres),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def movie_conditions(wanted: domain.MovieFilter) -> list[ColumnElement[bool]]:
    movie = models.Movie
    conditions: list[ColumnElement[bool]] = []
    if wanted.genre_id is not None:
        in_genre = select(movie_genres.c.movie_id).where(movie_genres.c.genre_id == wanted.genre_id)
        conditions.append(movie.id.in_(in_genre))
    if wanted.year is not None:
        conditions.append(movie.year == wanted.year)
    if wanted.ids:
        conditions.append(movie.id.in_(wanted.ids))
    if wanted.status is not None:
        conditions.append(movie.movie_status == wanted.status)
    if wanted.query:
        pattern = f"%{escape_like(wanted.query)}%"
        conditions.append(
            or_(
                movie.title.ilike(pattern, escape=LIKE_ESCAPE),
                movie.description.ilike(pattern, escape=LIKE_ESCAPE),
            )
        )
    return conditions


class CatalogueRepository:
    """Genres and movies in one service database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_genres(self, page: PageRequest) -> domain.PageOf[domain.Genre]:
        genre = models.Genre
        total = await self.session.scalar(select(func.count()).select_from(genre))
        rows = await self.session.scalars(
            select(genre)
            .order_by(func.lower(genre.name), genre.id)
            .offset(page.offset)
            .limit(page.page_size)
        )
        return domain.PageOf(tuple(to_genre(row) for row in rows), total or 0)

    async def add_genre(self, name: str) -> domain.Genre:
        row = models.Genre(name=name)
        self.session.add(row)
        await self._flush_genre_name(name)
        return to_genre(row)

    async def rename_genre(self, genre_id: int, name: str) -> domain.Genre | None:
        row = await self.session.get(models.Genre, genre_id, with_for_update=True)
        if row is None:
            return None
        row.name = name
        await self._flush_genre_name(name)
        return to_genre(row)

    async def delete_genre(self, genre_id: int) -> bool:
        """Deletes the genre and, by cascade, its links to movies."""
        genre = models.Genre
        deleted = await self.session.scalar(
            delete(genre).where(genre.id == genre_id).returning(genre.id)
        )
        return deleted is not None

    async def _flush_genre_name(self, name: str) -> None:
        try:
            await self.session.flush()
        except IntegrityError as error:
            if isinstance(error.orig, UniqueViolation):
                raise domain.genre_exists(name) from error
            raise

    async def list_movies(
        self, wanted: domain.MovieFilter, page: PageRequest
    ) -> domain.PageOf[domain.Movie]:
        movie = models.Movie
        conditions = movie_conditions(wanted)
        total = await self.session.scalar(
            select(func.count()).select_from(movie).where(*conditions)
        )
        rows = await self.session.scalars(
            select(movie)
            .where(*conditions)
            .order_by(movie.title, movie.id)
            .offset(page.offset)
            .limit(page.page_size)
        )
        return domain.PageOf(tuple(to_movie(row) for row in rows), total or 0)

    async def get_movie(self, movie_id: int) -> domain.Movie | None:
        row = await self.session.get(models.Movie, movie_id)
        return None if row is None else to_movie(row)

    async def add_movie(self, draft: domain.MovieDraft) -> domain.Movie:
        row = models.Movie(genres=list(await self._existing_genres(draft.genre_ids)))
        self._apply(row, draft)
        self.session.add(row)
        await self.session.flush()
        return to_movie(row)

    async def replace_movie(self, movie_id: int, draft: domain.MovieDraft) -> domain.Movie | None:
        row = await self.session.get(models.Movie, movie_id, with_for_update=True)
        if row is None:
            return None
        row.genres = list(await self._existing_genres(draft.genre_ids))
        self._apply(row, draft)
        row.updated_at = func.now()
        await self.session.flush()
        await self.session.refresh(row, ["updated_at"])
        return to_movie(row)

    async def delete_movie(self, movie_id: int) -> bool:
        movie = models.Movie
        deleted = await self.session.scalar(
            delete(movie).where(movie.id == movie_id).returning(movie.id)
        )
        return deleted is not None

    @staticmethod
    def _apply(row: models.Movie, draft: domain.MovieDraft) -> None:
        row.title = draft.title
        row.description = draft.description
        row.year = draft.year
        row.duration = draft.duration
        row.age_rating = draft.age_rating
        row.movie_status = draft.movie_status

    async def _existing_genres(self, genre_ids: Sequence[int]) -> Sequence[models.Genre]:
        """The genres with these ids, locked against deletion until commit; all must exist."""
        if not genre_ids:
            return []
        genre = models.Genre
        rows = (
            await self.session.scalars(
                select(genre).where(genre.id.in_(genre_ids)).with_for_update(key_share=True)
            )
        ).all()
        missing = sorted(set(genre_ids) - {row.id for row in rows})
        if missing:
            raise domain.unknown_genres(missing)
        return rows
