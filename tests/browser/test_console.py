"""The operator console at /admin in a real browser: halls, schedule, prices, catalogue, sales."""

from __future__ import annotations

import csv
import random
import re
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.conftest import SCREENSHOTS, OpenPage, Showtime
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.e2e.test_halls import create_hall
from tests.helpers import admin_token, bearer, login, new_user_token, register

MakeShowtime = Callable[..., Showtime]
CONSOLE_DESKTOP: ViewportSize = {"width": 1440, "height": 900}
CONSOLE_PHONE: ViewportSize = {"width": 390, "height": 844}
LIVE_WAIT_MS = 2000
"""The issue's bound on how soon the admin's sales view shows a customer's booking."""


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"console-{name}.png", full_page=True)


def new_movie(api: httpx.Client, admin: dict[str, str], duration: int = 100) -> dict[str, Any]:
    response = api.post(
        "/api/movies",
        json={
            "title": f"Console Premiere {uuid.uuid4().hex[:6]}",
            "description": "A projectionist falls for the film.",
            "year": 2026,
            "duration": duration,
            "age_rating": "PG",
            "movie_status": "now_showing",
            "genres_id": [],
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def staff_token(api: httpx.Client, admin: dict[str, str]) -> str:
    account = register(api)
    granted = api.put(f"/api/users/{account['id']}", json={"role": "staff"}, headers=admin)
    assert granted.status_code == 200, granted.text
    return login(api, account["email"])


def stat(page: Page, name: str) -> Any:
    return page.locator(f'[data-stat="{name}"] .stat__value')


def place(page: Page, row: int, number: int) -> Any:
    return page.locator(f'.layout-place[data-key="{row}:{number}"]')


def schedule_session(page: Page, movie: dict[str, Any], day: date, start: str) -> None:
    page.get_by_role("button", name="New session").click()
    form = page.locator(".session-form")
    label = f"{movie['title']} ({movie['year']}, {movie['duration']} min)"
    form.get_by_label("Movie").select_option(label=label)
    form.get_by_label("Starts").fill(f"{day.isoformat()}T{start}")
    form.get_by_role("button", name="Schedule").click()


def test_an_admin_lays_out_a_hall_schedules_prices_and_watches_a_customer_book_live(
    open_page: OpenPage, api: httpx.Client, admin: dict[str, str]
) -> None:
    movie = new_movie(api, admin)
    page = open_page(viewport=CONSOLE_DESKTOP)
    page.goto("/admin")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Halls", exact=True)).to_be_visible()

    number = random.randint(1000, 9999)
    page.get_by_label("Number").fill(str(number))
    page.get_by_label("Name").fill("Console Hall")
    page.get_by_label("Rows").fill("4")
    page.get_by_label("Seats per row").fill("8")
    page.get_by_role("button", name="Create hall").click()
    expect(page.get_by_role("heading", name=f"Hall {number} · Console Hall")).to_be_visible()
    hall_id = int(page.evaluate("location.hash").rsplit("/", 1)[1])

    page.get_by_role("radio", name="VIP").check()
    page.get_by_role("button", name="Apply the tool to row 1").click()
    expect(page.locator('.layout-place[data-row="1"][data-type="vip"]')).to_have_count(8)
    page.get_by_role("radio", name="Wheelchair").check()
    place(page, 4, 1).click()
    expect(place(page, 4, 1)).to_have_attribute("data-type", "wheelchair")
    page.get_by_role("radio", name="Remove (aisle)").check()
    page.get_by_role("button", name="Apply the tool to column 5").click()
    expect(page.locator(".layout-place--empty")).to_have_count(4)
    expect(page.get_by_role("list", name="Seats by type")).to_contain_text("28 seats")
    page.get_by_role("textbox", name="Name", exact=True).fill("Console Hall Red")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("heading", name=f"Hall {number} · Console Hall Red")).to_be_visible()
    shoot(page, "designer-aisle-desktop")

    hall = api.get(f"/api/halls/{hall_id}").json()
    types = {(seat["row"], seat["number"]): seat["type"] for seat in hall["seats"]}
    assert hall["name"] == "Console Hall Red"
    assert len(types) == 28
    assert not any(n == 5 for _, n in types)
    assert {types[1, n] for n in (1, 2, 3, 4, 6, 7, 8)} == {"vip"}
    assert types[4, 1] == "wheelchair"

    page.get_by_role("link", name="Schedule", exact=True).last.click()
    tomorrow = date.today() + timedelta(days=1)
    schedule_session(page, movie, tomorrow, "18:00")
    day = page.locator(f'.day-column[data-day="{tomorrow.isoformat()}"]')
    expect(day.locator(".slot")).to_have_count(1)

    schedule_session(page, movie, tomorrow, "19:00")
    refusal = page.locator(".session-form .form-error")
    expect(refusal).to_have_text(re.compile("another session at that time"))
    shoot(page, "schedule-overlap-refused-desktop")
    form = page.locator(".session-form")
    form.get_by_label("Starts").fill(f"{date.today() - timedelta(days=1)}T20:00")
    form.get_by_role("button", name="Schedule").click()
    expect(refusal).to_have_text(re.compile("cannot start in the past"))
    form.get_by_label("Starts").fill(f"{tomorrow.isoformat()}T20:00")
    form.get_by_label("Base price").fill("12.00")
    form.get_by_label("VIP").fill("20.00")
    form.get_by_role("button", name="Schedule").click()
    expect(day.locator(".slot")).to_have_count(2)
    shoot(page, "schedule-two-sessions-desktop")

    sessions = api.get(f"/api/sessions?hall_id={hall_id}").json()["items"]
    assert len(sessions) == 2
    late = max(sessions, key=lambda s: s["start_time"])
    assert late["base_price"] == 12.0
    assert late["prices"]["vip"] == 20.0

    day.locator(f'.slot[data-session-id="{late["id"]}"]').get_by_role("link", name="Sales").click()
    expect(page.locator(".live")).to_have_attribute("data-live", "open")
    expect(stat(page, "free")).to_have_text("28")
    expect(stat(page, "sold")).to_have_text("0")

    customer = open_page(token=new_user_token(api))
    customer.goto(f"/#/sessions/{late['id']}")
    customer.get_by_role("button", name=re.compile(r"^Row 2, seat 3,")).click()
    customer.get_by_role("button", name=re.compile(r"^Row 2, seat 4,")).click()
    customer.get_by_role("button", name="Hold 2 seats").click()
    expect(stat(page, "held")).to_have_text("2", timeout=LIVE_WAIT_MS)
    customer.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(stat(page, "sold")).to_have_text("2", timeout=LIVE_WAIT_MS)
    expect(stat(page, "held")).to_have_text("0")
    expect(stat(page, "free")).to_have_text("26")
    expect(page.locator(".seat[data-status='booked']")).to_have_count(2)
    expect(stat(page, "revenue")).to_have_text("€24.00")
    shoot(page, "sales-live-after-booking-desktop")

    page.goto(f"/admin#/sales?date={tomorrow}&from={tomorrow}&to={tomorrow}")
    link = page.locator(f'.session-link[data-session-id="{late["id"]}"]')
    expect(link).to_contain_text("2 sold · €24.00")
    by_day = page.locator('.totals[data-group="day"]')
    by_movie = page.locator('.totals[data-group="movie"]')
    expect(by_day.locator(f'tbody tr[data-key="{tomorrow}"]')).to_be_visible()
    expect(by_movie.locator("tbody tr", has_text=movie["title"])).to_contain_text("24.00")
    shoot(page, "sales-totals-desktop")
    with page.expect_download() as download:
        by_movie.get_by_role("button", name="Download by movie as CSV").click()
    rows = list(csv.DictReader(download.value.path().read_text().splitlines()))
    assert download.value.suggested_filename == f"sales-by-movie-{tomorrow}-{tomorrow}.csv"
    ours = [(r["key"], r["seats_sold"], r["revenue"]) for r in rows if r["label"] == movie["title"]]
    assert ours == [(str(movie["id"]), "2", "24.00")]

    page.get_by_role("navigation", name="Console").get_by_role("link", name="History").click()
    page.get_by_label("Show").select_option("hall")
    renamed = page.locator(f'tr[data-entity="hall"][data-entity-id="{hall_id}"]', has_text="Red")
    expect(renamed).to_contain_text("name: Console Hall Red")
    expect(renamed).to_contain_text("Administrator")


def hold(api: httpx.Client, session_id: int, seat_ids: list[int]) -> tuple[str, dict[str, str]]:
    """A new customer's hold on these seats: its id and the customer's headers."""
    customer = bearer(new_user_token(api))
    held = api.post(
        "/api/bookings", json={"session_id": session_id, "seats_id": seat_ids}, headers=customer
    )
    assert held.status_code == 201, held.text
    return str(held.json()["id"]), customer


def test_cancelling_a_session_with_bookings_says_how_many_it_cancels_first(
    open_page: OpenPage, api: httpx.Client, make_showtime: MakeShowtime
) -> None:
    show = make_showtime(rows=2, seats_per_row=4)
    paid, customer = hold(api, show.session_id, [show.seats[1, 1], show.seats[1, 2]])
    assert api.post(f"/api/bookings/{paid}/confirm", headers=customer).status_code == 200
    hold(api, show.session_id, [show.seats[2, 4]])
    session = api.get(f"/api/sessions/{show.session_id}").json()
    page = open_page(token=admin_token(api), viewport=CONSOLE_DESKTOP)
    page.goto(f"/admin#/schedule?hall={session['hall_id']}&week={session['start_time'][:10]}")
    slot = page.locator(f'.slot[data-session-id="{show.session_id}"]')

    slot.get_by_role("button", name=re.compile("^Cancel")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(
        "It cancels 1 paid booking (2 seats, €20.00) and the unpaid holds on 1 seat"
    )
    shoot(page, "cancel-dialog-desktop")
    dialog.get_by_role("button", name="Keep session").click()
    assert api.get(f"/api/sessions/{show.session_id}").json()["status"] == "scheduled"

    slot.get_by_role("button", name=re.compile("^Cancel")).click()
    dialog.get_by_role("button", name="Cancel it and its bookings").click()
    expect(slot).to_have_class(re.compile("slot--cancelled"))
    assert api.get(f"/api/sessions/{show.session_id}").json()["status"] == "cancelled"
    deadline = time.monotonic() + 10  # booking_svc ends the bookings when it hears of it
    while api.get(f"/api/bookings/{paid}", headers=customer).json()["status"] != "cancelled":
        assert time.monotonic() < deadline, "the paid booking was not cancelled"
        time.sleep(0.1)


def test_the_designer_works_by_keyboard(
    open_page: OpenPage, api: httpx.Client, admin: dict[str, str]
) -> None:
    hall = create_hall(api, admin, name="Keyboard Hall", rows=3, seats_per_row=4)
    page = open_page(token=admin_token(api), viewport=CONSOLE_PHONE)
    page.goto(f"/admin#/halls/{hall['id']}")
    page.get_by_role("radio", name="Companion").check()
    place(page, 1, 1).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    expect(place(page, 2, 2)).to_be_focused()
    page.keyboard.press("Enter")
    expect(place(page, 2, 2)).to_have_attribute("data-type", "companion")
    expect(place(page, 2, 2)).to_be_focused()
    page.keyboard.press("End")
    expect(place(page, 2, 4)).to_be_focused()
    page.keyboard.press(" ")
    expect(place(page, 2, 4)).to_have_attribute("data-type", "companion")
    seats = api.get(f"/api/halls/{hall['id']}").json()["seats"]
    assert sorted((s["row"], s["number"]) for s in seats if s["type"] == "companion") == [
        (2, 2),
        (2, 4),
    ]


def test_a_seat_with_live_bookings_is_not_removed_and_the_designer_names_the_session(
    open_page: OpenPage, api: httpx.Client, make_showtime: MakeShowtime
) -> None:
    show = make_showtime(rows=2, seats_per_row=4)
    hold(api, show.session_id, [show.seats[2, 2]])
    hall_id = api.get(f"/api/sessions/{show.session_id}").json()["hall_id"]
    page = open_page(token=admin_token(api), viewport=CONSOLE_DESKTOP)
    page.goto(f"/admin#/halls/{hall_id}")
    page.get_by_role("radio", name="Remove (aisle)").check()

    page.get_by_role("button", name="Apply the tool to column 2").click()
    problems = page.locator(".layout-problems")
    expect(problems.locator(".form-error")).to_contain_text("live bookings")
    expect(problems.get_by_role("link")).to_have_attribute("href", f"#/sales/{show.session_id}")
    expect(problems).to_contain_text("Row 2, seat 2")
    expect(place(page, 1, 2)).to_have_attribute("data-type", "standard")
    expect(place(page, 2, 2)).to_have_class(re.compile("layout-place--refused"))
    shoot(page, "designer-refusal-desktop")
    assert len(api.get(f"/api/halls/{hall_id}").json()["seats"]) == 8


POSTER = "/static/posters/orbit-of-small-things.svg"


def test_the_catalogue_shows_the_apis_validation_message_under_its_field(
    open_page: OpenPage, api: httpx.Client
) -> None:
    page = open_page(token=admin_token(api), viewport=CONSOLE_DESKTOP)
    page.goto("/admin#/catalogue")
    genre = f"Noir {uuid.uuid4().hex[:6]}"
    page.get_by_label("New genre").fill(genre)
    page.get_by_role("button", name="Add genre").click()
    expect(page.get_by_role("list", name="Genres")).to_contain_text(genre)

    title = f"Catalogue Test {uuid.uuid4().hex[:6]}"
    page.get_by_role("button", name="New movie").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Year").fill("1700")
    page.get_by_label("Length (minutes)").fill("95")
    page.get_by_role("checkbox", name=genre).check()
    page.get_by_role("button", name="Create movie").click()
    year = page.locator('.field[data-field="year"]')
    expect(year.locator(".field__error")).to_have_text(re.compile("greater than or equal to 1888"))
    expect(year.get_by_label("Year")).to_have_attribute("aria-invalid", "true")
    shoot(page, "catalogue-error-desktop")

    page.get_by_label("Year").fill("2024")
    page.get_by_label("Trailer URL").fill("javascript:alert(1)")
    page.get_by_role("button", name="Create movie").click()
    trailer = page.locator('.field[data-field="trailer_url"]')
    expect(trailer.locator(".field__error")).to_be_visible()

    page.get_by_label("Poster URL").fill(POSTER)
    page.get_by_label("Trailer URL").fill("https://trailers.example.org/catalogue-test")
    page.get_by_role("button", name="Create movie").click()
    movies = page.get_by_role("list", name="Movies")
    expect(movies).to_contain_text(title)
    [created] = [
        m for m in api.get("/api/movies?page_size=100").json()["items"] if m["title"] == title
    ]
    assert created["poster_url"] == POSTER
    assert created["trailer_url"] == "https://trailers.example.org/catalogue-test"
    expect(movies.locator("li", has_text=title)).to_contain_text(genre)
    page.get_by_role("button", name=f"Delete {title}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(movies).not_to_contain_text(title)


def test_staff_see_sales_but_no_catalogue_edit_controls_and_the_api_refuses_them(
    open_page: OpenPage, api: httpx.Client, admin: dict[str, str]
) -> None:
    new_movie(api, admin)
    token = staff_token(api, admin)
    page = open_page(token=token, viewport=CONSOLE_DESKTOP)
    page.goto("/admin")
    expect(page.get_by_role("heading", name="Sales", exact=True)).to_be_visible()
    nav = page.get_by_role("navigation", name="Console")
    expect(nav.get_by_role("link")).to_have_text(["Schedule", "Catalogue", "Sales"])
    expect(page.get_by_role("heading", name="Totals")).to_be_visible()
    shoot(page, "sales-staff-desktop")

    nav.get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("list", name="Movies").locator("li").first).to_be_visible()
    expect(page.get_by_text("Read only: only admins change the catalogue.")).to_be_visible()
    for control in ("New movie", "Edit", "Delete", "Rename", "Add genre"):
        expect(page.get_by_role("button", name=re.compile(f"^{control}"))).to_have_count(0)
    shoot(page, "catalogue-staff-desktop")

    status = page.evaluate(
        """async (token) => (await fetch("/api/movies", {
            method: "POST",
            headers: {"Content-Type": "application/json", Authorization: `Bearer ${token}`},
            body: JSON.stringify({title: "Not yours", year: 2020, duration: 90,
                                  movie_status: "now_showing"}),
        })).status""",
        token,
    )
    assert status == 403


def test_a_customer_account_is_told_the_console_is_for_staff(
    open_page: OpenPage, api: httpx.Client
) -> None:
    page = open_page(token=new_user_token(api), viewport=CONSOLE_PHONE)
    page.goto("/admin")
    expect(page.get_by_role("heading", name="This console is for cinema staff")).to_be_visible()
    expect(page.get_by_role("navigation", name="Console").get_by_role("link")).to_have_count(0)


@pytest.mark.parametrize(
    ("name", "viewport"), [("desktop", CONSOLE_DESKTOP), ("phone", CONSOLE_PHONE)]
)
def test_every_console_screen_fits_the_screen_and_is_captured(
    open_page: OpenPage,
    api: httpx.Client,
    make_showtime: MakeShowtime,
    name: str,
    viewport: ViewportSize,
) -> None:
    show = make_showtime(rows=6, seats_per_row=12, vip_rows=(5,), wheelchair=((6, 1),))
    session = api.get(f"/api/sessions/{show.session_id}").json()
    page = open_page(token=admin_token(api), viewport=viewport)
    screens = {
        "halls": ("/admin#/halls", ".hall-card"),
        "layout": (f"/admin#/halls/{session['hall_id']}", ".layout-place"),
        "schedule": (
            f"/admin#/schedule?hall={session['hall_id']}&week={session['start_time'][:10]}",
            ".slot",
        ),
        "catalogue": ("/admin#/catalogue", ".catalogue-item"),
        "sales": (f"/admin#/sales?date={session['start_time'][:10]}", ".session-link"),
        "sales-session": (f"/admin#/sales/{show.session_id}", ".live[data-live='open']"),
        "history": ("/admin#/history", ".history-table tbody tr"),
    }
    for screen, (path, ready) in screens.items():
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{screen} is {overflow}px wider than the {name} screen"
        shoot(page, f"{screen}-{name}")
    page.goto(screens["schedule"][0])
    page.get_by_role("button", name="New session").click()
    expect(page.locator(".session-form")).to_be_visible()
    shoot(page, f"schedule-form-{name}")
