"""The catalogue's rules: what a valid genre, movie and movie query are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar, cast

from svckit.errors import AlreadyExists, InvalidArgument, NotFound
from svckit.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest
from svckit.vocabulary import MOVIE_STATUS, MovieStatus

T = TypeVar("T")

AGE_RATINGS = ("", "G", "PG", "PG-13", "R", "NC-17", "0+", "6+", "12+", "16+", "18+")
"""Unrated, the US MPA ratings, and the Russian age marks 0+ to 18+."""

GENRE_NAME_MAX = 100
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
FIRST_FILM_YEAR = 1888
LAST_YEAR = 2100
DURATION_MAX = 1000
QUERY_MAX = 200
MAX_GENRES_PER_MOVIE = 50


@dataclass(frozen=True)
class Genre:
    id: int
    name: str


@dataclass(frozen=True)
class MovieDraft:
    """A validated movie as a client wants it stored (create or full replacement)."""

    title: str
    description: str
    year: int
    duration: int
    age_rating: str
    movie_status: MovieStatus
    genre_ids: tuple[int, ...]


@dataclass(frozen=True)
class Movie:
    id: int
    title: str
    description: str
    year: int
    duration: int
    age_rating: str
    movie_status: MovieStatus
    genres: tuple[Genre, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class MovieFilter:
    """Every condition is optional; together they all must hold."""

    genre_id: int | None = None
    year: int | None = None
    status: MovieStatus | None = None
    query: str = ""
    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class PageOf(Generic[T]):
    items: tuple[T, ...]
    total: int


def invalid(field: str, message: str, code: str = "invalid_argument") -> InvalidArgument:
    return InvalidArgument(f"{field}: {message}", code=code, details={"field": field})


def genre_name(raw: str) -> str:
    """The name stripped of surrounding spaces, 1..GENRE_NAME_MAX characters."""
    name = raw.strip()
    if not 1 <= len(name) <= GENRE_NAME_MAX:
        raise invalid("name", f"must be 1 to {GENRE_NAME_MAX} characters")
    return name


def movie_status(raw: str) -> MovieStatus:
    if raw not in MOVIE_STATUS:
        raise invalid("movie_status", f"must be one of {', '.join(MOVIE_STATUS.labels)}")
    return cast(MovieStatus, raw)


def movie_draft(
    *,
    title: str,
    description: str,
    year: int,
    duration: int,
    age_rating: str,
    status: str,
    genre_ids: list[int],
) -> MovieDraft:
    """Checks every field of a movie; raises InvalidArgument naming the first bad one."""
    title = title.strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise invalid("title", f"must be 1 to {TITLE_MAX} characters")
    if len(description) > DESCRIPTION_MAX:
        raise invalid("description", f"must be at most {DESCRIPTION_MAX} characters")
    if not FIRST_FILM_YEAR <= year <= LAST_YEAR:
        raise invalid("year", f"must be between {FIRST_FILM_YEAR} and {LAST_YEAR}")
    if not 1 <= duration <= DURATION_MAX:
        raise invalid("duration", f"must be 1 to {DURATION_MAX} minutes")
    if age_rating not in AGE_RATINGS:
        allowed = ", ".join(repr(rating) for rating in AGE_RATINGS)
        raise invalid("age_rating", f"must be one of {allowed}")
    if len(genre_ids) > MAX_GENRES_PER_MOVIE:
        raise invalid("genres_id", f"at most {MAX_GENRES_PER_MOVIE} genres")
    return MovieDraft(
        title=title,
        description=description,
        year=year,
        duration=duration,
        age_rating=age_rating,
        movie_status=movie_status(status),
        genre_ids=tuple(sorted(set(genre_ids))),
    )


def page_request(page: int, page_size: int) -> PageRequest:
    """0 means 'not given' (protobuf's default); negative or oversized values are refused."""
    page = page or 1
    page_size = page_size or DEFAULT_PAGE_SIZE
    if page < 1:
        raise invalid("page", "must be at least 1")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise invalid("page_size", f"must be 1 to {MAX_PAGE_SIZE}")
    return PageRequest(page=page, page_size=page_size)


def movie_filter(
    *, genre_id: int | None, year: int | None, status: str, query: str, ids: tuple[int, ...] = ()
) -> MovieFilter:
    """An empty status means any status; the query is matched as plain text; no ids, any id."""
    query = query.strip()
    if len(query) > QUERY_MAX:
        raise invalid("q", f"must be at most {QUERY_MAX} characters")
    return MovieFilter(
        genre_id=genre_id,
        year=year,
        status=movie_status(status) if status else None,
        query=query,
        ids=ids,
    )


def genre_exists(name: str) -> AlreadyExists:
    return AlreadyExists(f"a genre named {name!r} already exists", code="genre_exists")


def genre_not_found(genre_id: int) -> NotFound:
    return NotFound(f"genre {genre_id} not found", code="genre_not_found")


def movie_not_found(movie_id: int) -> NotFound:
    return NotFound(f"movie {movie_id} not found", code="movie_not_found")


def unknown_genres(genre_ids: list[int]) -> InvalidArgument:
    listed = ", ".join(str(genre_id) for genre_id in genre_ids)
    return InvalidArgument(
        f"unknown genre ids: {listed}", code="unknown_genre", details={"genre_ids": genre_ids}
    )
