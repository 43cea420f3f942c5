"""Tickets in a real browser: book and pay, see the QR codes in My bookings, and check one in
at the door page by its typed code, on a phone and on a desktop."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import DESKTOP, SCREENSHOTS, OpenPage, Showtime
from tests.helpers import DEFAULT_PASSWORD, admin_token, bearer, new_user_token, register

MakeShowtime = Callable[..., Showtime]
PHONE: ViewportSize = {"width": 390, "height": 844}


def staff_account(api: httpx.Client) -> str:
    """The email of a new account an admin made staff."""
    account = register(api)
    made = api.put(
        f"/api/users/{account['id']}", json={"role": "staff"}, headers=bearer(admin_token(api))
    )
    assert made.status_code == 200, made.text
    return str(account["email"])


def book_and_pay(page: Page, show: Showtime, row: int, number: int) -> None:
    page.goto(show.path)
    page.get_by_role("button", name=re.compile(rf"^Row {row}, seat {number},")).click()
    page.get_by_role("button", name="Hold 1 seat").click()
    page.get_by_role("button", name="Pay €10.00").click()
    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()


def shown_ticket_code(page: Page) -> str:
    """Opens My bookings and answers the code of the newest booking's ticket, as shown."""
    page.goto("/#/bookings")
    booking = page.locator(".booking").first
    expect(booking).to_have_attribute("data-status", "confirmed")
    ticket = booking.locator(".ticket")
    expect(ticket).to_have_count(1)
    expect(ticket.locator(".badge")).to_have_text("Valid")
    expect(ticket.locator("img.ticket__qr")).to_have_attribute(
        "src", re.compile(r"^data:image/svg\+xml")
    )
    # decode() waits for the picture to be loaded (and fails if it cannot be)
    qr_width = ticket.locator("img.ticket__qr").evaluate(
        "image => image.decode().then(() => image.naturalWidth)"
    )
    assert qr_width > 0
    return ticket.locator(".ticket__code").inner_text()


def sign_in_at_the_door(page: Page, email: str) -> None:
    page.goto("/door")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Ticket code")).to_be_visible()


def check_in(page: Page, code: str) -> None:
    page.get_by_label("Ticket code").fill(code)
    page.get_by_role("button", name="Check in").click()


def test_a_paid_seats_qr_code_is_shown_and_checked_in_once_at_the_door(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=2, seats_per_row=6)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    token = new_user_token(api)
    customer = open_page(token=token, viewport=PHONE)
    book_and_pay(customer, show, 1, 3)
    code = shown_ticket_code(customer)
    assert re.fullmatch(r"([A-Z2-7]{4} ){13}[A-Z2-7]{4}", code), code
    customer.screenshot(path=SCREENSHOTS / "tickets-phone.png", full_page=True)
    on_desktop = open_page(token=token, viewport=DESKTOP)
    assert shown_ticket_code(on_desktop) == code
    on_desktop.screenshot(path=SCREENSHOTS / "tickets-desktop.png", full_page=True)

    door = open_page(viewport=PHONE)
    sign_in_at_the_door(door, staff_account(api))
    answer = door.locator(".door-answer")
    expect(answer).to_have_attribute("data-answer", "ready")
    expect(door.get_by_text("This browser cannot read QR codes: type the code.")).to_be_visible()

    check_in(door, code.lower())
    expect(answer).to_have_attribute("data-answer", "yes")
    expect(answer).to_contain_text("Admitted")
    expect(answer).to_contain_text("Row 1, seat 3")
    expect(answer).to_contain_text(show.movie_title)
    width = door.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the door page is {width}px wide on a phone"
    door.screenshot(path=SCREENSHOTS / "door-admitted-phone.png", full_page=True)

    check_in(door, code)
    expect(answer).to_have_attribute("data-answer", "no")
    expect(answer).to_contain_text("Already checked in")
    expect(answer).to_contain_text("by staff #")
    door.screenshot(path=SCREENSHOTS / "door-refused-phone.png", full_page=True)

    check_in(door, code[:-1] + ("A" if code[-1] != "A" else "B"))
    expect(answer).to_contain_text("Not a valid ticket")
    expect(door.locator(".door-history li")).to_have_count(3)

    customer.reload()
    expect(customer.locator(".booking").first.locator(".ticket .badge")).to_have_text(
        re.compile(r"^Checked in at ")
    )


def test_a_customer_at_the_door_page_is_told_only_staff_may_check_in(
    open_page: OpenPage, api: httpx.Client
) -> None:
    customer = register(api)
    page = open_page(viewport=DESKTOP)
    sign_in_at_the_door(page, customer["email"])
    check_in(page, "A" * 56)
    answer = page.locator(".door-answer")
    expect(answer).to_have_attribute("data-answer", "no")
    expect(answer).to_contain_text("Only staff accounts can check tickets in.")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "door-desktop.png", full_page=True)
