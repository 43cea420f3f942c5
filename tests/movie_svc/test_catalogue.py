"""The catalogue's use cases and SQL against a real PostgreSQL database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from movie_svc import domain, models
from movie_svc.catalogue import Catalogue
from movie_svc.repository import movie_conditions
from svckit.errors import AlreadyExists, InvalidArgument, NotFound
from svckit.paging import PageRequest

FIRST_PAGE = PageRequest(page=1, page_size=20)
EVERYTHING = domain.MovieFilter()


def draft(**changes: Any) -> domain.MovieDraft:
    fields: dict[str, Any] = {
        "title": "Arrival",
        "description": "Linguist meets heptapods.",
        "year": 2016,
        "duration": 116,
        "age_rating": "PG-13",
        "status": "now_showing",
        "genre_ids": [],
    }
    return domain.movie_draft(**(fields | changes))


async def titles(
    catalogue: Catalogue,
    wanted: domain.MovieFilter = EVERYTHING,
    page: PageRequest = FIRST_PAGE,
) -> list[str]:
    found = await catalogue.list_movies(wanted, page)
    return [movie.title for movie in found.items]


async def test_genre_names_are_unique_regardless_of_case(catalogue: Catalogue) -> None:
    await catalogue.create_genre("Drama")
    with pytest.raises(AlreadyExists) as caught:
        await catalogue.create_genre("dRAMA")
    assert caught.value.code == "genre_exists"


async def test_renaming_a_genre_to_a_taken_name_conflicts_but_a_case_change_is_fine(
    catalogue: Catalogue,
) -> None:
    drama = await catalogue.create_genre("Drama")
    await catalogue.create_genre("Comedy")
    with pytest.raises(AlreadyExists):
        await catalogue.rename_genre(drama.id, "COMEDY")
    assert await catalogue.rename_genre(drama.id, "DRAMA") == domain.Genre(drama.id, "DRAMA")


async def test_unknown_genres_are_not_found(catalogue: Catalogue) -> None:
    with pytest.raises(NotFound) as renamed:
        await catalogue.rename_genre(404, "Noir")
    with pytest.raises(NotFound) as deleted:
        await catalogue.delete_genre(404)
    assert renamed.value.code == deleted.value.code == "genre_not_found"


async def test_genres_are_listed_alphabetically_with_the_total(catalogue: Catalogue) -> None:
    for name in ("western", "Action", "comedy"):
        await catalogue.create_genre(name)
    first = await catalogue.list_genres(PageRequest(page=1, page_size=2))
    second = await catalogue.list_genres(PageRequest(page=2, page_size=2))
    assert [g.name for g in first.items] == ["Action", "comedy"]
    assert [g.name for g in second.items] == ["western"]
    assert first.total == second.total == 3


async def test_a_movie_is_stored_with_its_genres_and_timestamps(catalogue: Catalogue) -> None:
    scifi = await catalogue.create_genre("Sci-Fi")
    drama = await catalogue.create_genre("Drama")
    created = await catalogue.create_movie(draft(genre_ids=[scifi.id, drama.id, scifi.id]))
    assert created.genres == (drama, scifi)
    assert created.created_at.tzinfo is not None
    assert created.updated_at == created.created_at
    assert await catalogue.get_movie(created.id) == created


async def test_a_movie_with_unknown_genres_is_refused_naming_them(catalogue: Catalogue) -> None:
    known = await catalogue.create_genre("Drama")
    with pytest.raises(InvalidArgument) as caught:
        await catalogue.create_movie(draft(genre_ids=[known.id, 9001, 9000]))
    assert caught.value.code == "unknown_genre"
    assert caught.value.details == {"genre_ids": [9000, 9001]}
    assert await titles(catalogue) == []


async def test_replacing_a_movie_changes_every_field_and_its_genres(
    catalogue: Catalogue,
) -> None:
    drama = await catalogue.create_genre("Drama")
    horror = await catalogue.create_genre("Horror")
    created = await catalogue.create_movie(draft(genre_ids=[drama.id]))
    replaced = await catalogue.replace_movie(
        created.id,
        draft(
            title="Arrival (Director's Cut)",
            description="",
            year=2017,
            duration=120,
            age_rating="16+",
            status="ended",
            genre_ids=[horror.id],
        ),
    )
    assert (replaced.title, replaced.description, replaced.year) == (
        "Arrival (Director's Cut)",
        "",
        2017,
    )
    assert (replaced.duration, replaced.age_rating, replaced.movie_status) == (120, "16+", "ended")
    assert replaced.genres == (horror,)
    assert replaced.created_at == created.created_at
    assert replaced.updated_at >= created.updated_at
    assert await catalogue.get_movie(created.id) == replaced


async def test_missing_movies_are_not_found(catalogue: Catalogue) -> None:
    for attempt in (
        catalogue.get_movie(404),
        catalogue.replace_movie(404, draft()),
        catalogue.delete_movie(404),
    ):
        with pytest.raises(NotFound) as caught:
            await attempt
        assert caught.value.code == "movie_not_found"


async def test_deleting_a_movie_removes_it(catalogue: Catalogue) -> None:
    movie = await catalogue.create_movie(draft())
    await catalogue.delete_movie(movie.id)
    with pytest.raises(NotFound):
        await catalogue.get_movie(movie.id)


async def test_deleting_a_genre_removes_it_from_its_movies(catalogue: Catalogue) -> None:
    drama = await catalogue.create_genre("Drama")
    scifi = await catalogue.create_genre("Sci-Fi")
    movie = await catalogue.create_movie(draft(genre_ids=[drama.id, scifi.id]))
    await catalogue.delete_genre(drama.id)
    assert (await catalogue.get_movie(movie.id)).genres == (scifi,)


async def test_a_renamed_genre_shows_its_new_name_inside_movies(catalogue: Catalogue) -> None:
    genre = await catalogue.create_genre("Scifi")
    movie = await catalogue.create_movie(draft(genre_ids=[genre.id]))
    await catalogue.rename_genre(genre.id, "Science Fiction")
    assert (await catalogue.get_movie(movie.id)).genres == (
        domain.Genre(genre.id, "Science Fiction"),
    )


async def test_filters_combine_genre_year_and_status(catalogue: Catalogue) -> None:
    drama = await catalogue.create_genre("Drama")
    comedy = await catalogue.create_genre("Comedy")
    await catalogue.create_movie(draft(title="A", year=2020, genre_ids=[drama.id]))
    await catalogue.create_movie(
        draft(title="B", year=2020, status="ended", genre_ids=[drama.id, comedy.id])
    )
    await catalogue.create_movie(draft(title="C", year=2021, genre_ids=[comedy.id]))
    await catalogue.create_movie(draft(title="D", year=2020))

    assert await titles(catalogue, domain.MovieFilter(genre_id=drama.id)) == ["A", "B"]
    assert await titles(catalogue, domain.MovieFilter(year=2020)) == ["A", "B", "D"]
    assert await titles(catalogue, domain.MovieFilter(status="ended")) == ["B"]
    assert await titles(catalogue, domain.MovieFilter(genre_id=comedy.id, year=2020)) == ["B"]
    assert await titles(
        catalogue, domain.MovieFilter(genre_id=drama.id, year=2020, status="now_showing")
    ) == ["A"]
    assert await titles(catalogue, domain.MovieFilter(genre_id=drama.id, year=2021)) == []


async def test_search_matches_title_or_description_ignoring_case(catalogue: Catalogue) -> None:
    await catalogue.create_movie(draft(title="The Matrix", description="Neo wakes up."))
    await catalogue.create_movie(draft(title="Inception", description="Dreams within DREAMS."))
    await catalogue.create_movie(draft(title="Dreamgirls", description="Motown."))

    assert await titles(catalogue, domain.MovieFilter(query="dream")) == [
        "Dreamgirls",
        "Inception",
    ]
    assert await titles(catalogue, domain.MovieFilter(query="MATRIX")) == ["The Matrix"]
    assert await titles(catalogue, domain.MovieFilter(query="dream", year=1999)) == []


async def test_search_text_is_literal_so_wildcards_match_only_themselves(
    catalogue: Catalogue,
) -> None:
    await catalogue.create_movie(draft(title="100% Wolf"))
    await catalogue.create_movie(draft(title="1000 Wolves"))
    await catalogue.create_movie(draft(title="snake_case"))
    await catalogue.create_movie(draft(title="snakeXcase"))
    await catalogue.create_movie(draft(title="Back\\slash"))

    assert await titles(catalogue, domain.MovieFilter(query="%")) == ["100% Wolf"]
    assert await titles(catalogue, domain.MovieFilter(query="100%")) == ["100% Wolf"]
    assert await titles(catalogue, domain.MovieFilter(query="_")) == ["snake_case"]
    assert await titles(catalogue, domain.MovieFilter(query="e_c")) == ["snake_case"]
    assert await titles(catalogue, domain.MovieFilter(query="\\")) == ["Back\\slash"]


async def test_sql_in_the_search_text_is_only_text(
    catalogue: Catalogue, empty_engine: AsyncEngine
) -> None:
    injection = "'; DROP TABLE movies; --"
    await catalogue.create_movie(draft(title="Harmless"))
    await catalogue.create_movie(draft(title=f"Bobby {injection}"))

    assert await titles(catalogue, domain.MovieFilter(query=injection)) == [f"Bobby {injection}"]
    assert await titles(catalogue, domain.MovieFilter(query="' OR '1'='1")) == []
    async with empty_engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM movies"))
    assert count == 2


async def test_pages_are_ordered_by_title_then_id_and_carry_the_total(
    catalogue: Catalogue,
) -> None:
    created = [await catalogue.create_movie(draft(title=title)) for title in "CBADA"]
    expected = sorted(created, key=lambda movie: (movie.title, movie.id))
    pages = [
        await catalogue.list_movies(EVERYTHING, PageRequest(page=n, page_size=2))
        for n in (1, 2, 3, 4)
    ]
    assert [movie.id for page in pages for movie in page.items] == [m.id for m in expected]
    assert [len(page.items) for page in pages] == [2, 2, 1, 0]
    assert {page.total for page in pages} == {5}


async def test_filtered_total_counts_every_match_not_just_the_page(
    catalogue: Catalogue,
) -> None:
    for n in range(7):
        await catalogue.create_movie(draft(title=f"Saw {n}", year=2004 + n))
    await catalogue.create_movie(draft(title="Amelie", year=2001))
    found = await catalogue.list_movies(
        domain.MovieFilter(query="saw"), PageRequest(page=2, page_size=3)
    )
    assert [movie.title for movie in found.items] == ["Saw 3", "Saw 4", "Saw 5"]
    assert found.total == 7


async def test_title_and_description_search_can_use_the_trigram_indexes(
    empty_engine: AsyncEngine,
) -> None:
    wanted = domain.MovieFilter(query="matrix")
    query = select(models.Movie.id).where(*movie_conditions(wanted))
    async with empty_engine.connect() as conn:
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = query.compile(dialect=conn.dialect)
        plan = await conn.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
        lines = "\n".join(row[0] for row in plan)
    assert "ix_movies_title_trgm" in lines
    assert "ix_movies_description_trgm" in lines
