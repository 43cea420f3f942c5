"""Posters on the movie list and movie page (letter tile when missing or broken), and a second
visit that takes every script from the browser's cache."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, OpenPage, Showtime
from tests.browser.test_booking_page import MakeShowtime, open_seat_map

SHIPPED_POSTER = "/static/posters/paper-lanterns.svg"


def add_movie(api: httpx.Client, admin: dict[str, str], title: str, poster_url: str | None) -> int:
    movie = api.post(
        "/api/movies",
        json={
            "title": title,
            "description": "A poster test.",
            "year": 2025,
            "duration": 90,
            "age_rating": "PG",
            "movie_status": "now_showing",
            "genres_id": [],
            "poster_url": poster_url,
        },
        headers=admin,
    )
    assert movie.status_code == 201, movie.text
    assert movie.json()["poster_url"] == poster_url
    return int(movie.json()["id"])


def poster_of(page: Page, title: str) -> tuple[str, int]:
    """The card's poster state ("image" or "tile") and its picture's natural width (0: none)."""
    card = page.locator(".movie-card", has_text=title)
    art = card.locator(".poster")
    expect(art).to_be_visible()
    state = art.get_attribute("data-poster") or ""
    width = int(art.evaluate("(node) => node.querySelector('img')?.naturalWidth ?? 0"))
    return state, width


def test_the_list_and_the_movie_page_show_posters_and_tiles_where_there_are_none(
    open_page: OpenPage, api: httpx.Client, admin: dict[str, str]
) -> None:
    tag = uuid.uuid4().hex[:8]
    titles = {
        "image": f"Poster Shown {tag}",
        "broken": f"Poster Broken {tag}",
        "none": f"Poster Missing {tag}",
    }
    movie_id = add_movie(api, admin, titles["image"], SHIPPED_POSTER)
    add_movie(api, admin, titles["broken"], "/static/posters/no-such-poster.svg")
    add_movie(api, admin, titles["none"], None)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_page(viewport=viewport)
        page.goto(f"/#/?q={tag}")
        expect(page.locator(".movie-card")).to_have_count(3)
        expect(page.locator(".movie-card", has_text=titles["image"]).locator("img")).to_be_visible()
        expect(page.locator(".movie-card", has_text=titles["broken"]).locator("img")).to_have_count(
            0
        )
        # the card turns "image" on the picture's load event, which may come a moment after
        # the picture shows
        shown = page.locator(".movie-card", has_text=titles["image"]).locator(".poster")
        expect(shown).to_have_attribute("data-poster", "image")
        assert poster_of(page, titles["image"]) == ("image", 400)
        assert poster_of(page, titles["broken"]) == ("tile", 0)
        assert poster_of(page, titles["none"]) == ("tile", 0)
        tile = page.locator(".movie-card", has_text=titles["none"]).locator(".poster span")
        expect(tile).to_have_text("P")
        page.screenshot(path=SCREENSHOTS / f"posters-list-{name}.png", full_page=True)

        page.goto(f"/#/movies/{movie_id}")
        large = page.locator(".poster--large img")
        expect(large).to_be_visible()
        assert large.evaluate("(img) => img.decode().then(() => img.naturalWidth)") == 400
        page.screenshot(path=SCREENSHOTS / f"posters-movie-{name}.png")


def test_a_second_visit_takes_every_script_and_style_from_the_cache(
    open_page: OpenPage, make_showtime: MakeShowtime
) -> None:
    show: Showtime = make_showtime(rows=3, seats_per_row=6)
    page = open_page(viewport=DESKTOP)
    open_seat_map(page, show, live=False)
    page.goto("about:blank")

    open_seat_map(page, show, live=False)

    fetched = page.evaluate(
        """() => performance.getEntriesByType("resource")
            .filter((entry) => new URL(entry.name).pathname.startsWith("/static/"))
            .filter((entry) => !new URL(entry.name).pathname.startsWith("/static/posters/"))
            .map((entry) => [entry.name, entry.transferSize])"""
    )
    assert fetched, "no static file was loaded"
    assert [name for name, size in fetched if size > 0] == []
    versioned = [name for name, _ in fetched if "?v=" in name]
    assert len(versioned) == len(fetched)
