"""The customer page on a 390 px phone and a 1440 px desktop (issue 16): a seat map that fits
and zooms, a bottom bar with Hold and Pay, messages that never cover them, focus, seat marks
beyond colour, holding expired seats again, the wheelchair question, money and time zones,
showtime chips, the calendar file and the sign-up form's messages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import FloatRect, Locator, Page, ViewportSize, WebSocketRoute, expect

from tests.browser.conftest import SCREENSHOTS, OpenPage, Showtime
from tests.e2e.test_halls import create_hall
from tests.helpers import bearer, new_email, new_user_token

MakeShowtime = Callable[..., Showtime]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1440, "height": 900}
SCREENS = pytest.mark.parametrize(
    "screen", [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
)


def seat(page: Page, seat_id: int) -> Locator:
    return page.locator(f'.seat-grid .seat[data-seat-id="{seat_id}"]')


def open_seat_map(page: Page, show: Showtime) -> None:
    page.goto(show.path)
    expect(page.locator(".seat-grid .seat").first).to_be_visible()
    expect(page.locator(".live")).to_have_attribute("data-live", "open")


def box(locator: Locator) -> FloatRect:
    """Where the element is drawn, transforms included, read in the page once the frames a
    zoom or pan asked for have been drawn."""
    found: FloatRect = locator.evaluate(
        "(e) => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {"
        " const r = e.getBoundingClientRect();"
        " done({x: r.x, y: r.y, width: r.width, height: r.height}); })))"
    )
    assert found["width"] > 0, f"{locator} is not shown"
    return found


def in_window(page: Page, locator: Locator) -> bool:
    """Wholly inside the window as it is scrolled now (no scrolling needed to see it)."""
    shown = box(locator)
    size = page.viewport_size
    assert size is not None
    return (
        shown["x"] >= 0
        and shown["y"] >= 0
        and shown["x"] + shown["width"] <= size["width"]
        and shown["y"] + shown["height"] <= size["height"]
    )


def overlap(a: FloatRect, b: FloatRect) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"the page is {width}px wide in a {inner}px window"


def focus_in_panel(page: Page) -> str:
    """What has focus, when it is inside the booking panel (else the test fails)."""
    where = page.evaluate(
        "() => { const a = document.activeElement;"
        " return a && a.closest('.panel') ? (a.id || a.textContent.trim()) : null; }"
    )
    assert where, "focus left the panel: " + page.evaluate("document.activeElement.outerHTML")
    return str(where)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


def wide_show(make_showtime: MakeShowtime) -> Showtime:
    """A hall of 8 rows of 20: wider than any phone."""
    return make_showtime(rows=8, seats_per_row=20, vip_rows=(8,), wheelchair=((1, 1), (1, 20)))


def hold(api: httpx.Client, token: str, session_id: int, seat_ids: list[int]) -> dict[str, Any]:
    response = api.post(
        "/api/bookings",
        json={"session_id": session_id, "seats_id": seat_ids},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    booking: dict[str, Any] = response.json()
    return booking


@SCREENS
def test_pick_hold_and_pay_without_sideways_scroll_with_hold_and_pay_in_view_and_focus_kept(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client, screen: ViewportSize
) -> None:
    show = wide_show(make_showtime)
    name = "phone" if screen is PHONE else "desktop"
    page = open_page(token=new_user_token(api), viewport=screen)
    open_seat_map(page, show)
    no_sideways_scroll(page)
    viewport = box(page.locator(".seat-viewport"))
    for corner in ((1, 1), (1, 20), (8, 1), (8, 20)):
        shown = box(seat(page, show.seats[corner]))
        assert shown["x"] >= viewport["x"] - 0.5, f"seat {corner} is cut off on the left"
        assert shown["x"] + shown["width"] <= viewport["x"] + viewport["width"] + 0.5, corner
    shot(page, f"phone-page-{name}-1-fitted")

    seat(page, show.seats[5, 10]).click()
    seat(page, show.seats[5, 11]).click()
    hold_button = page.get_by_role("button", name="Hold 2 seats")
    assert in_window(page, hold_button), "Hold is below the fold"
    expect(page.locator(".panel__bar .total__amount")).to_have_text("€20.00")
    expect(page.locator(".panel__seats")).to_have_text("2 seats · Row 5: 10, 11")
    no_sideways_scroll(page)
    shot(page, f"phone-page-{name}-2-picked")

    hold_button.click()
    pay = page.get_by_role("button", name="Pay €20.00")
    expect(pay).to_be_focused()
    focus_in_panel(page)
    assert in_window(page, pay), "Pay is below the fold"
    expect(page.locator(".panel__bar .countdown")).to_be_visible()
    no_sideways_scroll(page)
    shot(page, f"phone-page-{name}-3-held")

    pay.click()
    expect(page.get_by_role("heading", name="You're booked!")).to_be_focused()
    assert focus_in_panel(page) == "panel-title"
    expect(seat(page, show.seats[5, 10])).to_have_attribute("data-state", "mine")
    no_sideways_scroll(page)
    shot(page, f"phone-page-{name}-4-paid")


def drag_until_shown(page: Page, target: Locator, dx: float, dy: float) -> None:
    """Drags the map by (dx, dy) at a time, as a finger would, until `target` is all in view."""
    frame = box(page.locator(".seat-viewport"))
    x, y = frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2
    for _ in range(20):
        shown = box(target)
        if (
            shown["x"] >= frame["x"] - 0.5
            and shown["x"] + shown["width"] <= frame["x"] + frame["width"] + 0.5
            and shown["y"] >= frame["y"] - 0.5
            and shown["y"] + shown["height"] <= frame["y"] + frame["height"] + 0.5
        ):
            return
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + dx, y + dy, steps=6)
        page.mouse.up()
    raise AssertionError(f"{target} stays out of view")


def test_every_seat_of_a_wide_hall_is_reached_by_zooming_and_panning_on_a_phone(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = wide_show(make_showtime)
    page = open_page(token=new_user_token(api), viewport=PHONE)
    open_seat_map(page, show)
    fitted = box(seat(page, show.seats[1, 1]))["width"]
    viewport = page.locator(".seat-viewport")
    viewport.dblclick(position={"x": 20, "y": 20})
    page.get_by_role("button", name="Zoom in").click()
    zoomed = box(seat(page, show.seats[1, 1]))["width"]
    assert zoomed >= 44 > fitted, f"seats {fitted:.0f}px fitted, {zoomed:.0f}px zoomed"
    no_sideways_scroll(page)
    shot(page, "phone-page-zoomed")

    picked = 0
    for (dx, dy), corner in (
        ((120, 120), (1, 1)),
        ((-120, 0), (1, 20)),
        ((0, -120), (8, 20)),
        ((120, 0), (8, 1)),
    ):
        target = seat(page, show.seats[corner])
        drag_until_shown(page, target, dx, dy)
        shown, frame = box(target), box(viewport)
        row_label = page.locator(".row-label", has_text=re.compile(rf"^{corner[0]}$"))
        label = box(row_label)
        assert abs((label["y"] + label["height"] / 2) - (shown["y"] + shown["height"] / 2)) < 4
        assert label["x"] + label["width"] <= frame["x"] + 1, "the row label is off to the side"
        target.click()
        if corner == (1, 1):  # a wheelchair space: asked once
            page.get_by_role("button", name="Yes, book it").click()
        picked += 1
        expect(target).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".panel .picked li")).to_have_count(picked)
    shot(page, "phone-page-panned")

    page.get_by_role("button", name="Show the whole hall").click()
    assert box(seat(page, show.seats[1, 1]))["width"] == pytest.approx(fitted, abs=0.5)


def test_a_pinch_zooms_and_a_double_tap_zooms_in_then_back_out_on_a_touch_screen(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = wide_show(make_showtime)
    page = open_page(viewport=PHONE, has_touch=True)
    open_seat_map(page, show)
    fitted = box(seat(page, show.seats[4, 10]))["width"]
    frame = box(page.locator(".seat-viewport"))
    cx, cy = frame["x"] + frame["width"] / 2, frame["y"] + frame["height"] / 2
    page.evaluate(
        """([cx, cy]) => {
          const target = document.querySelector('.seat-viewport');
          const send = (type, id, x) => target.dispatchEvent(new PointerEvent(type, {
            pointerId: id, pointerType: 'touch', clientX: x, clientY: cy,
            bubbles: true, cancelable: true, isPrimary: id === 1,
          }));
          send('pointerdown', 1, cx - 20); send('pointerdown', 2, cx + 20);
          for (let step = 1; step <= 10; step += 1) {
            send('pointermove', 1, cx - 20 - 6 * step); send('pointermove', 2, cx + 20 + 6 * step);
          }
          send('pointerup', 1, cx - 80); send('pointerup', 2, cx + 80);
        }""",
        [cx, cy],
    )
    pinched = box(seat(page, show.seats[4, 10]))["width"]
    assert pinched > fitted * 1.8, f"{fitted:.0f}px before the pinch, {pinched:.0f}px after"

    page.get_by_role("button", name="Show the whole hall").click()
    frame = box(page.locator(".seat-viewport"))
    page.touchscreen.tap(frame["x"] + 4, frame["y"] + 4)
    page.touchscreen.tap(frame["x"] + 4, frame["y"] + 4)
    expect(page.locator(".seat-viewport")).to_have_class(re.compile(r"pan-zoom--zoomed"))


@SCREENS
def test_messages_never_cover_hold_and_go_away_by_themselves(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client, screen: ViewportSize
) -> None:
    show = make_showtime(rows=3, seats_per_row=8)
    page = open_page(token=new_user_token(api), viewport=screen)
    page.clock.install()
    seat_map = api.get(f"/api/sessions/{show.session_id}/seats")
    stale = json.dumps(
        {
            "type": "snapshot",
            "session_id": show.session_id,
            "version": int(seat_map.headers["X-Seat-Map-Version"]),
            "seats": seat_map.json(),
        }
    )

    def feed_that_misses_changes(socket: WebSocketRoute) -> None:
        socket.send(stale)

    page.route_web_socket(re.compile(r"/live$"), feed_that_misses_changes)
    open_seat_map(page, show)
    for number in range(1, 6):
        seat(page, show.seats[2, number]).click()
    notice = page.locator("#notice")
    expect(notice).to_contain_text("up to 4 seats")
    hold_button = page.get_by_role("button", name="Hold 4 seats")
    assert not overlap(box(notice), box(hold_button))
    shot(page, f"phone-page-{'phone' if screen is PHONE else 'desktop'}-message")
    page.clock.run_for(7000)
    expect(notice).to_be_hidden()

    hold(api, new_user_token(api), show.session_id, [show.seats[2, 1]])
    hold_button.click()
    expect(notice).to_contain_text("just taken")
    expect(notice).to_have_attribute("data-kind", "error")
    assert not overlap(box(notice), box(page.get_by_role("button", name="Hold 3 seats")))
    expect(page.locator("#alerter")).to_contain_text("just taken")
    page.clock.run_for(11_000)
    expect(notice).to_be_hidden()


def test_the_last_minute_is_announced_and_expired_seats_are_held_again_while_free(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=2, seats_per_row=6)
    token = new_user_token(api)
    page = open_page(token=token, viewport=PHONE)
    open_seat_map(page, show)
    wanted = [show.seats[1, 3], show.seats[1, 4]]
    for seat_id in wanted:
        seat(page, seat_id).click()
    page.get_by_role("button", name="Hold 2 seats").click()
    expect(page.locator(".panel .countdown")).to_be_visible()
    first = api.get("/api/me/bookings", headers=bearer(token)).json()["items"][0]
    expires_at = datetime.fromisoformat(first["expires_at"])

    page.clock.set_system_time(expires_at - timedelta(seconds=50))
    expect(page.locator("#alerter")).to_have_text("One minute left to pay for your seats.")

    page.clock.set_system_time(expires_at + timedelta(seconds=2))
    retry = page.get_by_role("button", name="Hold these seats again")
    expect(retry).to_be_focused()
    assert in_window(page, retry)
    shot(page, "phone-page-expired")
    # the expirer's work, done at once: the seats are free again
    assert api.post(f"/api/bookings/{first['id']}/cancel", headers=bearer(token)).status_code == 200
    for seat_id in wanted:
        expect(seat(page, seat_id)).to_have_attribute("data-status", "free")

    retry.click()
    expect(page.get_by_role("heading", name="Seats held for you")).to_be_visible()
    for seat_id in wanted:
        expect(seat(page, seat_id)).to_have_attribute("data-state", "mine")
    again = api.get("/api/me/bookings", headers=bearer(token)).json()["items"][0]
    assert again["id"] != first["id"]
    assert sorted(s["seat_id"] for s in again["seats"]) == sorted(wanted)


def test_expired_seats_someone_took_meanwhile_are_named_and_the_rest_picked_again(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=2, seats_per_row=6)
    token = new_user_token(api)
    page = open_page(token=token, viewport=PHONE)
    open_seat_map(page, show)
    wanted = [show.seats[2, 2], show.seats[2, 3]]
    for seat_id in wanted:
        seat(page, seat_id).click()
    page.get_by_role("button", name="Hold 2 seats").click()
    expect(page.locator(".panel .countdown")).to_be_visible()
    first = api.get("/api/me/bookings", headers=bearer(token)).json()["items"][0]
    page.clock.set_system_time(datetime.fromisoformat(first["expires_at"]) + timedelta(seconds=2))
    retry = page.get_by_role("button", name="Hold these seats again")
    expect(retry).to_be_visible()
    assert api.post(f"/api/bookings/{first['id']}/cancel", headers=bearer(token)).status_code == 200
    hold(api, new_user_token(api), show.session_id, [wanted[0]])
    expect(seat(page, wanted[0])).to_have_attribute("data-status", "held")

    retry.click()
    expect(page.locator("#notice")).to_contain_text("Row 2, seat 2: taken since")
    expect(seat(page, wanted[1])).to_have_attribute("aria-pressed", "true")
    expect(seat(page, wanted[0])).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_role("button", name="Hold 1 seat")).to_be_visible()


SEAT_FACES = """async () => {
  const { SeatMap } = await import('/static/js/seatmap.js');
  const types = ['standard', 'vip', 'wheelchair', 'companion'];
  const states = ['free', 'selected', 'mine', 'held', 'booked'];
  const seats = [];
  types.forEach((type, row) => states.forEach((state, i) => seats.push({
    seat_id: row * 10 + i + 1, row: row + 1, number: i + 1, type, price: 10,
    status: state === 'selected' ? 'free' : state === 'mine' ? 'held' : state,
  })));
  const map = new SeatMap({ maxSeats: 10, onSelect: () => {}, onLimit: () => {} });
  const host = document.createElement('div');
  host.className = 'card';
  host.style.width = '600px';
  host.append(map.element);
  document.querySelector('#main').replaceChildren(host);
  map.setSeats(seats);
  map.setMine(seats.filter((s, i) => i % 5 === 2).map((s) => s.seat_id));
  map.select(seats.filter((s, i) => i % 5 === 1).map((s) => s.seat_id));
  map.zoom.zoomBy(2);
  const probe = document.createElement('span');
  document.body.append(probe);
  const rgb = (value) => { probe.style.color = ''; probe.style.color = value;
                           return getComputedStyle(probe).color; };
  const root = getComputedStyle(document.documentElement);
  const surface = rgb(root.getPropertyValue('--surface'));
  return [...document.querySelectorAll('.seat-grid .seat')].map((button) => {
    const style = getComputedStyle(button);
    const badge = button.querySelector('.seat__badge');
    const mark = button.querySelector('.seat__mark svg');
    const number = button.querySelector('.seat__number');
    return {
      type: button.dataset.type, state: button.dataset.state,
      mark: mark ? [...mark.classList].join(' ') : null,
      number_shown: getComputedStyle(number).display !== 'none' && number.textContent !== '',
      badge: badge ? [...badge.querySelector('svg').classList].join(' ') : null,
      pattern: style.backgroundImage, border_style: style.borderTopStyle,
      text: style.color, fill: style.backgroundColor, border: style.borderTopColor,
      badge_text: badge ? getComputedStyle(badge).color : null,
      badge_fill: badge ? getComputedStyle(badge).backgroundColor : null,
      surface,
    };
  });
}"""

RGB = re.compile(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)")


def colours(value: str) -> list[tuple[int, int, int]]:
    """The opaque colours named in a computed style (a colour or a gradient's stops)."""
    return [
        (int(r), int(g), int(b))
        for r, g, b, alpha in RGB.findall(value)
        if alpha in ("", "1") or float(alpha) == 1.0
    ]


def luminance(colour: tuple[int, int, int]) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_seat_state_and_type_has_its_own_mark_and_enough_contrast(
    open_page: OpenPage,
) -> None:
    page = open_page(viewport=DESKTOP)
    page.goto("/#/nowhere")
    faces = page.evaluate(SEAT_FACES)
    shot(page, "phone-page-seat-faces")
    assert len(faces) == 20
    assert {(f["type"], f["state"]) for f in faces} == {
        (t, s)
        for t in ("standard", "vip", "wheelchair", "companion")
        for s in ("free", "selected", "mine", "held", "booked")
    }
    # without colour: a state mark (or the number) and a type badge tell every pair apart
    shapes = {(f["mark"] or "number", f["badge"] or "none") for f in faces}
    assert len(shapes) == len(faces), faces
    for face in faces:
        assert (face["mark"] is None) == (face["state"] == "free"), face
        assert face["number_shown"] == (face["state"] == "free"), face
        assert (face["badge"] is None) == (face["type"] == "standard"), face
    for face in faces:
        fills = colours(face["pattern"]) or colours(face["fill"])
        (text,) = colours(face["text"])
        (surface,) = colours(face["surface"])
        for fill in fills:
            assert contrast(text, fill) >= 4.5, face
        (border,) = colours(face["border"])
        assert contrast(border, surface) >= 4.5, face
        if face["badge"]:
            (badge_text,) = colours(face["badge_text"])
            (badge_fill,) = colours(face["badge_fill"])
            assert contrast(badge_text, badge_fill) >= 4.5, face
            assert contrast(badge_fill, surface) >= 4.5, face


def test_a_wheelchair_space_asks_once_per_selection(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=2, seats_per_row=6, wheelchair=((1, 1), (1, 2)))
    page = open_page(token=new_user_token(api), viewport=PHONE)
    open_seat_map(page, show)
    dialog = page.get_by_role("dialog", name="This is a wheelchair space. Book it?")

    seat(page, show.seats[1, 1]).click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Yes, book it")).to_be_focused()
    shot(page, "phone-page-wheelchair")
    dialog.get_by_role("button", name="Choose another seat").click()
    expect(dialog).to_be_hidden()
    expect(seat(page, show.seats[1, 1])).to_have_attribute("aria-pressed", "false")

    seat(page, show.seats[1, 1]).click()
    dialog.get_by_role("button", name="Yes, book it").click()
    expect(seat(page, show.seats[1, 1])).to_have_attribute("aria-pressed", "true")
    seat(page, show.seats[1, 2]).click()
    expect(seat(page, show.seats[1, 2])).to_have_attribute("aria-pressed", "true")
    expect(dialog).to_be_hidden()

    seat(page, show.seats[1, 1]).click()
    seat(page, show.seats[1, 2]).click()
    seat(page, show.seats[1, 2]).click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(seat(page, show.seats[1, 2])).to_have_attribute("aria-pressed", "false")


def test_money_follows_the_currency_and_the_browsers_language(
    open_page: OpenPage, make_showtime: MakeShowtime
) -> None:
    show = make_showtime(rows=1, seats_per_row=4)
    page = open_page(viewport=PHONE, locale="de-DE")
    open_seat_map(page, show)
    seat(page, show.seats[1, 2]).click()
    expect(page.locator(".panel__bar .total__amount")).to_have_text(re.compile(r"^10,00\s€$"))
    expect(page.locator(".legend")).to_contain_text("10,00")


def test_sign_up_shows_a_friendly_message_beside_every_field_at_once(
    open_page: OpenPage, api: httpx.Client
) -> None:
    page = open_page(viewport=PHONE)
    page.goto("/#/register")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    errors = page.locator(".field-error:visible")
    expect(errors).to_have_count(3)
    expect(page.locator("#field-name-error")).to_have_text("Please enter your name.")
    expect(page.locator("#field-email-error")).to_contain_text("like ann@example.com")
    expect(page.locator("#field-password-error")).to_have_text(
        "Use at least 8 characters, with letters and digits."
    )
    expect(page.get_by_label("Name")).to_be_focused()
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    shot(page, "phone-page-sign-up")

    taken = new_email("taken")
    page.get_by_label("Name").fill("Ann")
    page.get_by_label("Email").fill(taken)
    page.get_by_label("Password").fill("Popcorn-2026")
    assert api.post(
        "/api/auth/register", json={"email": taken, "password": "Popcorn-2026", "name": "Ann"}
    ).is_success
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#field-email-error")).to_contain_text("already exists")
    expect(page.locator(".field-error:visible")).to_have_count(1)
    expect(page.locator(".form-error")).to_be_hidden()
    expect(page.get_by_label("Email")).to_be_focused()


def test_add_to_calendar_downloads_the_showtime_as_an_ics_event(
    open_page: OpenPage, make_showtime: MakeShowtime, api: httpx.Client
) -> None:
    show = make_showtime(rows=1, seats_per_row=4)
    page = open_page(token=new_user_token(api), viewport=PHONE)
    open_seat_map(page, show)
    seat(page, show.seats[1, 2]).click()
    page.get_by_role("button", name="Hold 1 seat").click()
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Add to calendar").click()
    assert download.value.suggested_filename.endswith(".ics")
    ics = download.value.path().read_text()
    session = api.get(f"/api/sessions/{show.session_id}").json()
    start = datetime.fromisoformat(session["start_time"]).astimezone(UTC)
    assert "BEGIN:VEVENT" in ics
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in ics
    assert f"SUMMARY:{show.movie_title}" in ics
    assert "LOCATION:Browser Hall" in ics
    assert "Row 1\\, seat 2" in ics

    page.get_by_role("link", name="My bookings").first.click()
    card = page.locator(".booking").first
    expect(card).to_have_attribute("data-status", "confirmed")
    with page.expect_download() as again:
        card.get_by_role("button", name="Add to calendar").click()
    assert f"SUMMARY:{show.movie_title}" in again.value.path().read_text()


@SCREENS
def test_showtime_chips_name_hall_seats_left_lowest_price_and_the_cinemas_time_zone(
    open_page: OpenPage,
    make_showtime: MakeShowtime,
    api: httpx.Client,
    admin: dict[str, str],
    screen: ViewportSize,
) -> None:
    show = make_showtime(rows=2, seats_per_row=5, wheelchair=((1, 1),))
    session = api.get(f"/api/sessions/{show.session_id}").json()
    hold(api, new_user_token(api), show.session_id, [show.seats[2, 1], show.seats[2, 2]])
    tiny = create_hall(api, admin, name="Tiny Hall", rows=1, seats_per_row=2)
    later = datetime.fromisoformat(session["start_time"]) + timedelta(days=1)
    sold_out = api.post(
        "/api/sessions",
        json={
            "movie_id": session["movie_id"],
            "hall_id": tiny["id"],
            "start_time": later.isoformat(),
            "end_time": (later + timedelta(hours=2)).isoformat(),
        },
        headers=admin,
    ).json()
    hold(api, new_user_token(api), sold_out["id"], [seat["id"] for seat in tiny["seats"]])

    page = open_page(viewport=screen, timezone_id="America/New_York")
    page.goto(f"/#/movies/{session['movie_id']}")
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(7)
    expect(page.locator(".zone-note")).to_contain_text("UTC")
    tomorrow = page.get_by_role("tab", name=re.compile("^Tomorrow"))
    expect(tomorrow).to_have_attribute("aria-selected", "true")
    chip = page.locator(f'.time[data-session-id="{show.session_id}"]')
    start = datetime.fromisoformat(session["start_time"]).astimezone(UTC)
    expect(chip.locator(".time__clock")).to_have_text(f"{start:%I:%M %p}")
    expect(chip.locator(".time__hall")).to_have_text("Browser Hall")
    expect(chip.locator(".time__left")).to_have_text("8 seats left")
    expect(chip.locator(".time__price")).to_have_text("from €8.00")
    expect(chip).to_have_attribute("aria-label", re.compile(r" UTC, Browser Hall, 8 seats left"))
    no_sideways_scroll(page)
    shot(page, f"phone-page-{'phone' if screen is PHONE else 'desktop'}-showtimes")

    tomorrow.focus()
    page.keyboard.press("ArrowRight")
    expect(tabs.nth(2)).to_be_focused()
    gone = page.locator(f'.time[data-session-id="{sold_out["id"]}"]')
    expect(gone.locator(".time__left")).to_have_text("Sold out")
    expect(gone.locator(".time__price")).to_have_count(0)
