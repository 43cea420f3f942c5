"""Paying on the demo provider's checkout page in Chromium: book, Pay goes to /pay/<id>, the
test card pays, and the customer is back in "My bookings" with the booking confirmed."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import DESKTOP, SCREENSHOTS, OpenPage, Showtime
from tests.conftest import RunningStack
from tests.helpers import new_user_token

MakeShowtime = Callable[..., Showtime]
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _demo_provider(demo_payments: RunningStack) -> None:
    """Every test here runs against the stack with the demo payment provider."""


def hold_one_seat(page: Page, show: Showtime) -> None:
    page.goto(show.path)
    page.get_by_role("button", name=re.compile(r"^Row 2, seat 3,")).click()
    page.get_by_role("button", name="Hold 1 seat").click()
    expect(page.locator(".panel .countdown")).to_be_visible()


@pytest.mark.parametrize(("name", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_book_pay_on_the_checkout_page_and_see_the_booking_confirmed(
    open_page: OpenPage,
    make_showtime: MakeShowtime,
    api: httpx.Client,
    name: str,
    viewport: ViewportSize,
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    show = make_showtime(rows=3, seats_per_row=6)
    page = open_page(token=new_user_token(api), viewport=viewport)
    hold_one_seat(page, show)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()

    expect(page).to_have_url(re.compile(r"/pay/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name=re.compile(r"^Pay .*10\.00"))).to_be_visible()
    expect(page.locator("#description")).to_contain_text("row 2 seat 3")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{name}: the checkout page is {width}px wide"
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("#message")).to_have_text("Your card was declined. Try another card.")
    page.screenshot(path=SCREENSHOTS / f"payments-declined-{name}.png", full_page=True)

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("#message")).to_contain_text("Payment succeeded")
    page.screenshot(path=SCREENSHOTS / f"payments-succeeded-{name}.png", full_page=True)

    expect(page).to_have_url(re.compile(r"/#/bookings"))
    expect(page.locator("#notice")).to_contain_text("Payment received")
    booking = page.locator(".booking").first
    expect(booking).to_have_attribute("data-status", "confirmed")
    expect(booking).to_contain_text(show.movie_title)
    page.screenshot(path=SCREENSHOTS / f"payments-back-{name}.png", full_page=True)


def test_a_card_asking_for_confirmation_pays_after_the_extra_step(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=3, seats_per_row=6)
    page = open_page(token=new_user_token(api), viewport=PHONE)
    hold_one_seat(page, show)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.get_by_label("Card number").fill("4000 0000 0000 3220")
    page.get_by_role("button", name="Pay", exact=True).click()
    confirm = page.get_by_role("button", name="Confirm payment")
    expect(confirm).to_be_visible()
    expect(page.get_by_label("Card number")).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / "payments-challenge-phone.png", full_page=True)
    confirm.click()
    expect(page.locator(".booking").first).to_have_attribute("data-status", "confirmed")
