"""The booking page in a real browser: live seat map, the whole booking journey, keyboard, phone."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Locator, Page, WebSocketRoute, expect

from svckit.identity import Caller
from svckit.tokens import issue_access_token
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    REFRESH_KEY,
    SCREENSHOTS,
    TOKEN_KEY,
    OpenPage,
    Showtime,
)
from tests.conftest import RunningStack
from tests.helpers import DEFAULT_PASSWORD, bearer, new_email, new_user_token, register

MakeShowtime = Callable[..., Showtime]
CLOCK = re.compile(r"^(\d+):(\d\d)$")


def seat(page: Page, seat_id: int) -> Locator:
    return page.locator(f'.seat[data-seat-id="{seat_id}"]')


def open_seat_map(page: Page, show: Showtime, *, live: bool = True) -> None:
    page.goto(show.path)
    expect(page.locator(".seat").first).to_be_visible()
    if live:
        expect(page.locator(".live")).to_have_attribute("data-live", "open")


def hold_seats(api: httpx.Client, token: str, session_id: int, seat_ids: list[int]) -> str:
    response = api.post(
        "/api/bookings",
        json={"session_id": session_id, "seats_id": seat_ids},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def seconds_left(page: Page) -> int:
    text = page.locator(".panel .countdown__time").inner_text()
    match = CLOCK.match(text)
    assert match, f"countdown shows {text!r}"
    return int(match[1]) * 60 + int(match[2])


def test_a_hold_in_one_browser_turns_the_seat_held_in_another_within_a_second(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=3, seats_per_row=6)
    watcher = open_page()
    holder = open_page(token=new_user_token(api))
    open_seat_map(watcher, show)
    open_seat_map(holder, show)
    wanted = show.seats[2, 3]
    expect(seat(watcher, wanted)).to_have_attribute("data-status", "free")

    seat(holder, wanted).click()
    holder.get_by_role("button", name="Hold 1 seat").click()
    expect(holder.locator(".panel .countdown")).to_be_visible()

    expect(seat(watcher, wanted)).to_have_attribute("data-status", "held", timeout=1000)
    expect(seat(watcher, wanted)).to_have_attribute(
        "aria-label", "Row 2, seat 3, standard, €10.00, held"
    )
    holder.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(seat(watcher, wanted)).to_have_attribute("data-status", "booked", timeout=1000)


def test_a_visitor_signs_up_logs_in_holds_two_seats_pays_and_finds_the_booking_confirmed(
    open_page: OpenPage, make_showtime: MakeShowtime
) -> None:
    show = make_showtime()
    page = open_page()
    email = new_email("browser")
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Name").fill("Ada Browser")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".account__name")).to_have_text("Ada Browser")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".account__name")).to_have_text("Ada Browser")

    page.get_by_role("searchbox", name="Search movies").fill(show.movie_title)
    page.keyboard.press("Enter")
    page.get_by_role("link", name=re.compile(re.escape(show.movie_title))).click()
    expect(page.get_by_role("heading", name=show.movie_title)).to_be_visible()
    page.locator(f'.time[data-session-id="{show.session_id}"]').click()
    page.get_by_role("button", name=re.compile(r"^Row 1, seat 4,")).click()
    page.get_by_role("button", name=re.compile(r"^Row 1, seat 5,")).click()
    expect(page.locator(".panel .total__amount")).to_have_text("€20.00")
    page.get_by_role("button", name="Hold 2 seats").click()

    expect(page.locator(".panel .countdown__time")).to_have_text(CLOCK)
    assert seconds_left(page) > 0
    expect(seat(page, show.seats[1, 4])).to_have_attribute("data-state", "mine")
    page.get_by_role("button", name="Pay €20.00").click()
    expect(page.get_by_role("heading", name="You're booked!")).to_be_visible()

    page.get_by_role("link", name="My bookings").first.click()
    booking = page.locator(".booking").first
    expect(booking).to_have_attribute("data-status", "confirmed")
    expect(booking).to_contain_text("Confirmed")
    expect(booking).to_contain_text(show.movie_title)
    expect(booking).to_contain_text("Row 1, seat 4; Row 1, seat 5")


def test_the_countdown_follows_the_servers_clock_even_when_the_browsers_clock_is_wrong(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime()
    token = new_user_token(api)
    page = open_page(token=token)
    page.clock.set_system_time(datetime.now(UTC) + timedelta(hours=3))
    open_seat_map(page, show, live=False)
    seat(page, show.seats[2, 2]).click()
    page.get_by_role("button", name="Hold 1 seat").click()
    expect(page.locator(".panel .countdown__time")).to_have_text(CLOCK)

    booking = api.get("/api/me/bookings", headers=bearer(token)).json()["items"][0]
    expires_at = datetime.fromisoformat(booking["expires_at"])
    expected = (expires_at - datetime.now(UTC)).total_seconds()
    assert expected > 60
    assert abs(seconds_left(page) - expected) <= 3


def test_a_seat_is_reached_with_tab_and_picked_with_space_or_enter(
    open_page: OpenPage, make_showtime: MakeShowtime
) -> None:
    show = make_showtime(rows=2, seats_per_row=5)
    page = open_page()
    open_seat_map(page, show, live=False)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('seat')"):
            break
    focused = page.locator(".seat:focus")
    expect(focused).to_have_attribute("data-seat-id", str(show.seats[1, 1]))
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"

    page.keyboard.press("Space")
    expect(seat(page, show.seats[1, 1])).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".seat:focus")).to_have_attribute("data-seat-id", str(show.seats[1, 2]))
    page.keyboard.press("Enter")
    expect(seat(page, show.seats[1, 2])).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Enter")
    expect(seat(page, show.seats[1, 2])).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("ArrowDown")
    expect(page.locator(".seat:focus")).to_have_attribute("data-seat-id", str(show.seats[2, 2]))
    expect(page.locator(".panel .picked li")).to_have_count(1)


def test_the_seat_map_fits_a_phone_zooms_to_large_enough_seats_and_is_captured_on_both(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=8, seats_per_row=14, vip_rows=(8,), wheelchair=((1, 1), (1, 2)))
    holder, payer = new_user_token(api), new_user_token(api)
    hold_seats(api, holder, show.session_id, [show.seats[4, n] for n in (6, 7)])
    paid = hold_seats(api, payer, show.session_id, [show.seats[5, n] for n in (9, 10, 11)])
    assert api.post(f"/api/bookings/{paid}/confirm", headers=bearer(payer)).status_code == 200
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_page(token=new_user_token(api), viewport=viewport)
        open_seat_map(page, show)
        expect(seat(page, show.seats[5, 9])).to_have_attribute("data-status", "booked")
        for number in (7, 8):
            seat(page, show.seats[6, number]).click()
        expect(page.locator(".panel .picked li")).to_have_count(2)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name}: the page is {width}px wide"
        frame = page.locator(".seat-viewport").bounding_box()
        last = seat(page, show.seats[8, 14]).bounding_box()
        assert frame is not None
        assert last is not None
        assert last["x"] + last["width"] <= frame["x"] + frame["width"], "the row does not fit"
        page.screenshot(path=SCREENSHOTS / f"seatmap-{name}.png", full_page=True)
        sizes = []
        for _ in range(3):
            page.get_by_role("button", name="Zoom in").click()
            sizes.append(
                seat(page, show.seats[3, 3]).evaluate(
                    "(seat) => { const box = seat.getBoundingClientRect();"
                    " return Math.min(box.width, box.height); }"
                )
            )
        assert max(sizes) >= 32, f"{name}: seats are {sizes}px zoomed in"


def test_seats_someone_else_took_first_are_highlighted_when_the_hold_is_refused(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=2, seats_per_row=6)
    page = open_page(token=new_user_token(api))
    seat_map = api.get(f"/api/sessions/{show.session_id}/seats")
    stale = {
        "type": "snapshot",
        "session_id": show.session_id,
        "version": int(seat_map.headers["X-Seat-Map-Version"]),
        "seats": seat_map.json(),
    }

    def feed_that_misses_changes(socket: WebSocketRoute) -> None:
        socket.send(json.dumps(stale))

    page.route_web_socket(re.compile(r"/live$"), feed_that_misses_changes)
    open_seat_map(page, show)
    wanted, other = show.seats[1, 3], show.seats[1, 4]
    seat(page, wanted).click()
    seat(page, other).click()
    hold_seats(api, new_user_token(api), show.session_id, [wanted])

    page.get_by_role("button", name="Hold 2 seats").click()

    expect(seat(page, wanted)).to_have_class(re.compile(r"\bseat--taken\b"))
    expect(seat(page, wanted)).to_have_attribute("data-status", "held")
    expect(seat(page, wanted)).to_have_attribute("aria-pressed", "false")
    expect(seat(page, other)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#notice")).to_contain_text("Row 1, seat 3")
    expect(page.locator("#notice")).to_contain_text("just taken")


def test_a_wrong_password_shows_the_servers_error_message(
    open_page: OpenPage, api: httpx.Client
) -> None:
    page = open_page()
    page.goto("/#/login")
    page.get_by_label("Email").fill(new_email("nobody"))
    page.get_by_label("Password").fill("Not-the-passw0rd")
    page.get_by_role("button", name="Log in").click()
    error = page.locator(".form-error")
    expect(error).to_be_visible()
    body = api.post("/api/auth/login", json={"email": new_email(), "password": "x"}).json()
    expect(error).to_have_text(body["error"])


def test_no_more_seats_than_the_booking_limit_can_be_picked(
    open_page: OpenPage, make_showtime: MakeShowtime
) -> None:
    show = make_showtime(rows=1, seats_per_row=6)
    page = open_page()
    open_seat_map(page, show, live=False)
    for number in range(1, 6):
        seat(page, show.seats[1, number]).click()
    expect(page.locator(".panel .picked li")).to_have_count(4)
    expect(seat(page, show.seats[1, 5])).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#notice")).to_contain_text("up to 4 seats")


def test_the_page_reconnects_when_the_server_drops_its_feed_and_catches_up(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=2, seats_per_row=4)
    page = open_page()
    sockets: list[WebSocketRoute] = []

    def through_to_server(socket: WebSocketRoute) -> None:
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(re.compile(r"/live$"), through_to_server)
    open_seat_map(page, show)
    holder = new_user_token(api)
    hold_seats(api, holder, show.session_id, [show.seats[1, 2]])
    expect(seat(page, show.seats[1, 2])).to_have_attribute("data-status", "held")

    sockets[0].close(code=1013, reason="too slow to follow the feed; reconnect")
    hold_seats(api, holder, show.session_id, [show.seats[2, 3]])

    expect(seat(page, show.seats[2, 3])).to_have_attribute("data-status", "held")
    expect(page.locator(".live")).to_have_attribute("data-live", "open")
    assert len(sockets) >= 2


def test_an_expired_access_token_is_renewed_silently_with_the_refresh_token(
    open_page: OpenPage, api: httpx.Client, running_stack: RunningStack
) -> None:
    user = register(api)
    signed_in = api.post(
        "/api/auth/login", json={"email": user["email"], "password": DEFAULT_PASSWORD}
    ).json()
    expired = issue_access_token(
        Caller(user["id"], "user"),
        secret=running_stack.env["JWT_SECRET"],
        algorithm="HS256",
        ttl_seconds=-60,
    )
    page = open_page(token=expired)
    page.add_init_script(
        f"localStorage.setItem({json.dumps(REFRESH_KEY)}, {json.dumps(signed_in['refresh_token'])})"
    )
    page.goto("/#/bookings")
    expect(page.locator(".account__name")).to_have_text(user["name"])
    kept = page.evaluate(
        f"[localStorage.getItem({json.dumps(TOKEN_KEY)}), "
        f"localStorage.getItem({json.dumps(REFRESH_KEY)})]"
    )
    assert kept[0] != expired
    assert kept[1] != signed_in["refresh_token"]
    assert api.get("/api/me", headers=bearer(kept[0])).json()["id"] == user["id"]
