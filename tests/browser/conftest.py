"""Browser tests: the booking page in headless Chromium (Playwright), against the test stack."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.conftest import ARTIFACTS, RunningStack
from tests.e2e.test_halls import create_hall
from tests.helpers import admin_token, bearer

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ARTIFACTS / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 812}
TOKEN_KEY = "cinema.token"
"""Where the page keeps the access token (gateway/static/js/auth.js)."""
REFRESH_KEY = "cinema.refresh"
"""Where the page keeps the refresh token."""

OpenPage = Callable[..., Page]


@dataclass(frozen=True)
class Showtime:
    """A session in a hall of its own, with the hall's seat ids by (row, number)."""

    session_id: int
    movie_title: str
    seats: dict[tuple[int, int], int]

    @property
    def path(self) -> str:
        return f"/#/sessions/{self.session_id}"


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the browser tests, closed before any other test runs.

    Playwright's sync API drives its own event loop; while it is open, asyncio tests
    in the same thread cannot start theirs.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser: Browser, running_stack: RunningStack) -> Iterator[OpenPage]:
    """Opens a page in a browser context of its own, signed in when given a token, in the
    browser language `locale` and, when given, the browser time zone `timezone_id`.

    Script errors on any page fail the test.
    """
    contexts = []
    errors: list[str] = []

    def open_one(
        *,
        token: str | None = None,
        viewport: ViewportSize = DESKTOP,
        locale: str = "en-US",
        timezone_id: str | None = None,
        has_touch: bool = False,
    ) -> Page:
        context = browser.new_context(
            base_url=running_stack.base_url,
            viewport=viewport,
            reduced_motion="reduce",
            locale=locale,
            timezone_id=timezone_id,
            has_touch=has_touch,
            accept_downloads=True,
        )
        contexts.append(context)
        if token is not None:
            context.add_init_script(
                f"localStorage.setItem({json.dumps(TOKEN_KEY)}, {json.dumps(token)})"
            )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_one
    for context in contexts:
        context.close()
    assert errors == [], f"script errors on the page: {errors}"


@pytest.fixture
def admin(api: httpx.Client) -> dict[str, str]:
    return bearer(admin_token(api))


@pytest.fixture
def make_showtime(api: httpx.Client, admin: dict[str, str]) -> Callable[..., Showtime]:
    """Schedules a movie tomorrow in a new hall laid out rows x seats_per_row."""

    def make(
        *,
        rows: int = 4,
        seats_per_row: int = 8,
        vip_rows: tuple[int, ...] = (),
        wheelchair: tuple[tuple[int, int], ...] = (),
    ) -> Showtime:
        title = f"Browser Matinee {uuid.uuid4().hex[:8]}"
        movie = api.post(
            "/api/movies",
            json={
                "title": title,
                "description": "Two strangers argue about the best seat in the house.",
                "year": 2025,
                "duration": 100,
                "age_rating": "PG",
                "movie_status": "now_showing",
                "genres_id": [],
            },
            headers=admin,
        )
        assert movie.status_code == 201, movie.text
        hall = create_hall(api, admin, name="Browser Hall", rows=rows, seats_per_row=seats_per_row)
        seats = {(seat["row"], seat["number"]): seat["id"] for seat in hall["seats"]}
        special = dict.fromkeys(wheelchair, "wheelchair")
        special |= {(row, n): "vip" for row in vip_rows for n in range(1, seats_per_row + 1)}
        for (row, number), seat_type in special.items():
            changed = api.put(
                f"/api/seats/{seats[row, number]}",
                json={"row": row, "number": number, "type": seat_type},
                headers=admin,
            )
            assert changed.status_code == 200, changed.text
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        session = api.post(
            "/api/sessions",
            json={
                "movie_id": movie.json()["id"],
                "hall_id": hall["id"],
                "start_time": start.isoformat(),
                "end_time": (start + timedelta(hours=2)).isoformat(),
                "base_price": 10.0,
            },
            headers=admin,
        )
        assert session.status_code == 201, session.text
        return Showtime(session.json()["id"], title, seats)

    return make
