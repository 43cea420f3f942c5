"""The catalogue's pure rules: paging defaults, LIKE escaping, movie fields."""

from __future__ import annotations

import pytest

from movie_svc import domain
from movie_svc.repository import escape_like
from svckit.errors import InvalidArgument
from svckit.paging import PageRequest


def test_an_unset_page_means_the_first_page_of_twenty() -> None:
    assert domain.page_request(0, 0) == PageRequest(page=1, page_size=20)
    assert domain.page_request(3, 10).offset == 20


@pytest.mark.parametrize(("page", "size"), [(-1, 10), (1, -1), (1, 101)])
def test_negative_pages_and_oversized_pages_are_refused(page: int, size: int) -> None:
    with pytest.raises(InvalidArgument):
        domain.page_request(page, size)


def test_like_wildcards_and_the_escape_character_are_escaped() -> None:
    assert escape_like("100%_a\\b") == "100\\%\\_a\\\\b"
    assert escape_like("plain text") == "plain text"


def test_a_movie_draft_trims_the_title_and_dedupes_genres() -> None:
    draft = domain.movie_draft(
        title="  Heat ",
        description="",
        year=1995,
        duration=170,
        age_rating="",
        status="ended",
        genre_ids=[3, 1, 3],
    )
    assert draft.title == "Heat"
    assert draft.genre_ids == (1, 3)


def test_an_empty_query_and_status_filter_nothing() -> None:
    assert domain.movie_filter(genre_id=None, year=None, status="", query="  ") == (
        domain.MovieFilter()
    )
