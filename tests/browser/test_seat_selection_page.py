"""Seat selection on the page with the orphan rule on: best seats for N, a refused hold
explained beside the seats, companion seats in the legend, and cancelling some seats."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import ViewportSize, expect

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, OpenPage, Showtime
from tests.browser.test_booking_page import hold_seats, open_seat_map, seat
from tests.e2e.test_seat_selection import orphan_rule  # noqa: F401 (a fixture)
from tests.helpers import new_user_token

MakeShowtime = Callable[..., Showtime]
pytestmark = pytest.mark.usefixtures("orphan_rule")


def with_companion(api: httpx.Client, admin: dict[str, str], show: Showtime) -> None:
    """Makes row 1, seat 2 the companion seat of the wheelchair place at row 1, seat 1."""
    changed = api.put(
        f"/api/seats/{show.seats[1, 2]}",
        json={"row": 1, "number": 2, "type": "companion"},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text


PHONE_390: ViewportSize = {"width": 390, "height": 844}
WIDE_DESKTOP: ViewportSize = {"width": 1440, "height": 900}


def test_best_seats_for_two_picks_the_suggested_pair_and_holds_it(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client, admin: dict[str, str]
) -> None:
    show = make_showtime(rows=6, seats_per_row=10, wheelchair=((1, 1),))
    with_companion(api, admin, show)
    best = api.get(f"/api/sessions/{show.session_id}/best-seats", params={"count": 2}).json()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_page(token=new_user_token(api), viewport=viewport)
        open_seat_map(page, show)
        expect(page.locator(".legend")).to_contain_text("Companion")
        expect(seat(page, show.seats[1, 2])).to_have_class(re.compile(r"\bseat--companion\b"))
        page.get_by_role("button", name="Best seats for 2").click()
        for seat_id in best["seat_ids"]:
            expect(seat(page, seat_id)).to_have_attribute("aria-pressed", "true")
        expect(page.locator(".best-seats__message")).to_contain_text("picked for you")
        page.screenshot(path=SCREENSHOTS / f"best-seats-{name}.png", full_page=True)
    page.get_by_role("button", name="Hold 2 seats").click()
    expect(page.locator(".panel")).to_have_attribute("data-phase", "held")

    other = open_page(token=new_user_token(api))
    open_seat_map(other, show)
    other.get_by_label("with a wheelchair space").check()
    other.get_by_role("button", name="Best seats for 2").click()
    for seat_id in (show.seats[1, 1], show.seats[1, 2]):
        expect(seat(other, seat_id)).to_have_attribute("aria-pressed", "true")


def test_a_hold_that_would_strand_a_seat_is_explained_beside_the_seats(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=2, seats_per_row=6)
    page = open_page(token=new_user_token(api), viewport=PHONE)
    open_seat_map(page, show)
    seat(page, show.seats[2, 2]).click()
    seat(page, show.seats[2, 3]).click()
    page.get_by_role("button", name="Hold 2 seats").click()
    message = page.locator(".best-seats__message")
    expect(message).to_contain_text("row 2, seat 1 empty on its own")
    expect(seat(page, show.seats[2, 1])).to_have_class(re.compile(r"\bseat--stranded\b"))
    expect(page.locator(".panel")).to_have_attribute("data-phase", "select")
    page.screenshot(path=SCREENSHOTS / "orphan-refusal-phone.png", full_page=True)


def test_some_seats_of_a_booking_are_cancelled_from_the_booking_an_email_links_to(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    for name, viewport in (("phone", PHONE_390), ("desktop", WIDE_DESKTOP)):
        show = make_showtime(rows=2, seats_per_row=6)
        token = new_user_token(api)
        booking = hold_seats(api, token, show.session_id, [show.seats[2, n] for n in (1, 2, 3)])
        page = open_page(token=token, viewport=viewport)
        page.goto(f"/#/bookings?booking={booking}")
        card = page.locator(f'.booking[data-booking-id="{booking}"]')
        expect(card).to_have_class(re.compile(r"\bbooking--highlight\b"))
        card.get_by_role("button", name="Cancel").click()
        dialog = page.locator("dialog.cancel-dialog")
        expect(dialog.get_by_role("button", name="Keep booking")).to_be_focused()
        dialog.get_by_role("checkbox", name=re.compile("Row 2, seat 1")).uncheck()
        dialog.get_by_role("checkbox", name=re.compile("Row 2, seat 2")).uncheck()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the {name} page scrolls sideways by {overflow}px"
        page.screenshot(path=SCREENSHOTS / f"cancel-some-seats-{name}.png")
        dialog.get_by_role("button", name="Cancel 1 of 3 seats").click()
        expect(dialog).to_have_count(0)
        card = page.locator(f'.booking[data-booking-id="{booking}"]')
        expect(card.locator(".booking__seats")).not_to_contain_text("seat 3")
        seats = api.get(f"/api/sessions/{show.session_id}/seats").json()
        assert {s["seat_id"]: s["status"] for s in seats}[show.seats[2, 3]] == "free"
