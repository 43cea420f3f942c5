"""The demo catalogue's posters ship with the project: original SVGs, nothing fetched from afar."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from deploy.demo import MOVIES, POSTERS_PATH, DemoMovie
from svckit.media_urls import media_url

STATIC = Path(__file__).resolve().parents[2] / "gateway" / "static"


@pytest.mark.parametrize("movie", MOVIES, ids=lambda movie: movie.title)
def test_every_demo_movie_has_a_poster_served_from_this_site(movie: DemoMovie) -> None:
    assert movie.poster_url.startswith(POSTERS_PATH)
    assert media_url(movie.poster_url) == movie.poster_url
    poster = STATIC / movie.poster_url.removeprefix("/static/")
    root = ElementTree.parse(poster).getroot()  # noqa: S314 - our own files
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 400 600"


@pytest.mark.parametrize("poster", sorted((STATIC / "posters").glob("*.svg")), ids=str)
def test_posters_hold_no_script_and_load_nothing_else(poster: Path) -> None:
    text = poster.read_text(encoding="utf-8")
    for forbidden in ("<script", "href=", "url(http", "@import", "<image", "<foreignObject"):
        assert forbidden not in text, forbidden
