"""Time on holds in a real browser: "Frees in" on a seat someone holds, "Need more time?"."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import DESKTOP, SCREENSHOTS, OpenPage, Showtime
from tests.browser.test_booking_page import hold_seats, open_seat_map, seat, seconds_left
from tests.conftest import RunningStack
from tests.helpers import new_user_token, poll

MakeShowtime = Callable[..., Showtime]
PHONE: ViewportSize = {"width": 390, "height": 844}
HOLD_SECONDS = 100
"""Shorter than the two minutes in which the page offers more time."""
EXTEND_SECONDS = 300
FREES_IN = re.compile(r"^Frees in (\d+):(\d\d)$")


@pytest.fixture(scope="module")
def short_holds(running_stack: RunningStack) -> Iterator[None]:
    with running_stack.changed_for(
        "booking_svc",
        BOOKING_HOLD_SECONDS=str(HOLD_SECONDS),
        BOOKING_EXTEND_SECONDS=str(EXTEND_SECONDS),
    ):
        yield


def frees_in(page: Page) -> int:
    tip = page.locator("#frees-in")
    expect(tip).to_be_visible()
    expect(tip).to_have_text(FREES_IN)
    match = FREES_IN.match(tip.inner_text())
    assert match
    return int(match[1]) * 60 + int(match[2])


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_a_held_seat_says_when_it_frees_and_a_hold_near_its_end_can_be_extended(
    open_page: OpenPage,
    make_showtime: MakeShowtime,
    api: httpx.Client,
    short_holds: None,
    name: str,
    viewport: ViewportSize,
) -> None:
    show = make_showtime(rows=5, seats_per_row=10)
    other = new_user_token(api)
    hold_seats(api, other, show.session_id, [show.seats[3, 5], show.seats[3, 6]])
    me = new_user_token(api)
    page = open_page(token=me, viewport=viewport)
    open_seat_map(page, show)

    held = seat(page, show.seats[3, 5])
    expect(held).to_have_attribute("data-state", "held")
    held.hover()
    assert HOLD_SECONDS - 15 <= frees_in(page) <= HOLD_SECONDS
    expect(held).to_have_attribute("aria-describedby", "frees-in")
    page.mouse.move(0, 0)
    expect(page.locator("#frees-in")).to_be_hidden()
    held.focus()
    assert frees_in(page) <= HOLD_SECONDS
    free = seat(page, show.seats[1, 1])
    free.hover()
    expect(page.locator("#frees-in")).to_be_hidden()

    mine = [show.seats[2, 4], show.seats[2, 5]]
    watcher = open_page(token=other, viewport=DESKTOP)
    open_seat_map(watcher, show)
    for seat_id in mine:
        seat(page, seat_id).click()
    page.get_by_role("button", name="Hold 2 seats").click()
    expect(page.locator(".panel .countdown__time")).to_be_visible()
    offer = page.locator(".extend-offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Need more time?")
    before = seconds_left(page)
    assert before <= HOLD_SECONDS + 1  # the page learns the server's clock to the second
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    held.hover()
    page.screenshot(path=SCREENSHOTS / f"hold-time-{name}.png", full_page=True)

    page.get_by_role("button", name="Give me more time").click()
    expect(offer).to_be_hidden()
    expect(page.locator(".panel .countdown__time")).to_have_text(re.compile(r"^[67]:\d\d$"))
    assert seconds_left(page) >= before + EXTEND_SECONDS - 5

    theirs = seat(watcher, mine[0])
    expect(theirs).to_have_attribute("data-state", "held")
    theirs.hover()
    # the watcher learns of the extension from the live feed, after its owner's page
    poll(lambda: frees_in(watcher) >= before + EXTEND_SECONDS - 10, timeout=10)
    assert frees_in(watcher) >= before + EXTEND_SECONDS - 10
    page.screenshot(path=SCREENSHOTS / f"hold-extended-{name}.png", full_page=True)
