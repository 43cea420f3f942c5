"""Graceful overload in the page: a request the gateway sheds (503 overloaded, Retry-After) is
sent once more after Retry-After, telling the person; when the retry is shed too they see why."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, Route, ViewportSize, expect

from tests.browser.conftest import SCREENSHOTS, OpenPage, Showtime
from tests.helpers import bearer, new_user_token

MakeShowtime = Callable[..., Showtime]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1440, "height": 900}
SCREENS = pytest.mark.parametrize(
    "screen", [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
)
OVERLOADED = json.dumps(
    {
        "error": "The cinema is very busy right now. Please try again in a few seconds.",
        "code": "overloaded",
    }
)


class SheddingGateway:
    """Answers the first `shed` requests to `pattern` 503 overloaded; lets the rest through."""

    def __init__(self, page: Page, pattern: str, shed: int) -> None:
        self.shed = shed
        self.seen = 0
        page.route(pattern, self.answer)

    def answer(self, route: Route) -> None:
        self.seen += 1
        if self.seen > self.shed:
            route.continue_()
            return
        route.fulfill(
            status=503,
            headers={"Retry-After": "1", "Cache-Control": "no-store"},
            content_type="application/json",
            body=OVERLOADED,
        )


def seat_map(show: Showtime) -> str:
    return f"**/api/sessions/{show.session_id}/seats"


def shot(page: Page, name: str, screen: ViewportSize) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"overload-{name}-{screen['width']}.png")


@SCREENS
def test_a_shed_seat_map_is_fetched_again_after_retry_after_telling_the_person(
    open_page: OpenPage, make_showtime: MakeShowtime, screen: ViewportSize
) -> None:
    show = make_showtime(rows=3, seats_per_row=6)
    page = open_page(viewport=screen)
    gateway = SheddingGateway(page, seat_map(show), shed=1)

    page.goto(show.path)

    notice = page.locator("#notice")
    expect(notice).to_contain_text("Lots of people are booking right now")
    expect(notice).to_contain_text("trying again in 1 s")
    expect(page.locator("#announcer")).to_contain_text("trying again in 1 s")
    shot(page, "waiting", screen)
    expect(page.locator(".seat-grid .seat")).to_have_count(18)
    assert gateway.seen == 2
    expect(page.locator("h1", has_text="Too busy")).to_have_count(0)
    expect(notice).to_be_hidden()
    shot(page, "retried", screen)


@SCREENS
def test_when_the_retry_is_shed_too_the_person_sees_why_and_can_try_again(
    open_page: OpenPage, make_showtime: MakeShowtime, screen: ViewportSize
) -> None:
    show = make_showtime(rows=3, seats_per_row=6)
    page = open_page(viewport=screen)
    gateway = SheddingGateway(page, seat_map(show), shed=2)

    page.goto(show.path)

    expect(page.locator("h1")).to_have_text("Too busy right now")
    expect(page.locator("#notice")).to_contain_text("very busy right now")
    expect(page.locator("#notice")).to_have_attribute("data-kind", "error")
    shot(page, "gave-up", screen)
    assert gateway.seen == 2, "the page retries a shed request once, not more"

    page.get_by_role("button", name="Try again").click()
    expect(page.locator(".seat-grid .seat")).to_have_count(18)
    assert gateway.seen == 3


def test_a_hold_shed_twice_is_not_sent_a_third_time_and_a_hold_shed_once_goes_through(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=2, seats_per_row=6)
    token = new_user_token(api)
    page = open_page(token=token, viewport=PHONE)
    page.goto(show.path)
    expect(page.locator(".seat-grid .seat")).to_have_count(12)
    gateway = SheddingGateway(page, "**/api/bookings", shed=2)
    page.locator(f'.seat-grid .seat[data-seat-id="{show.seats[1, 3]}"]').click()

    page.get_by_role("button", name="Hold 1 seat").click()

    expect(page.locator("#notice")).to_contain_text("Could not hold the seats: The cinema is very")
    shot(page, "hold-gave-up", PHONE)
    assert gateway.seen == 2, "a shed hold is retried once: postOnce adds no retries of its own"
    assert api.get("/api/me/bookings", headers=bearer(token)).json()["items"] == []

    gateway.shed, gateway.seen = 1, 0
    page.get_by_role("button", name="Hold 1 seat").click()
    expect(page.locator(".panel .countdown")).to_be_visible()
    assert gateway.seen == 2
    assert len(api.get("/api/me/bookings", headers=bearer(token)).json()["items"]) == 1
