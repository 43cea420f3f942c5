"""The waiting list on the booking page: join when the seats you want are taken, leave, and
get seats held when they free up."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import ViewportSize, expect

from tests.browser.conftest import DESKTOP, SCREENSHOTS, OpenPage, Showtime
from tests.browser.test_booking_page import hold_seats, open_seat_map
from tests.helpers import bearer, new_user_token, poll

MakeShowtime = Callable[..., Showtime]
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_a_full_showtime_offers_the_waiting_list_and_freed_seats_are_held_for_you(
    open_page: OpenPage,
    make_showtime: MakeShowtime,
    api: httpx.Client,
    name: str,
    viewport: ViewportSize,
) -> None:
    show = make_showtime(rows=1, seats_per_row=4)
    blocker = new_user_token(api)
    blocked = hold_seats(api, blocker, show.session_id, list(show.seats.values()))
    me = new_user_token(api)
    page = open_page(token=me, viewport=viewport)
    open_seat_map(page, show)

    page.get_by_text("Can't get the seats you want? Wait for them").click()
    page.get_by_label("How many").select_option("2")
    page.get_by_role("button", name="Join the waiting list").click()
    status = page.locator(".waitlist__status")
    expect(status).to_have_attribute("data-status", "waiting")
    expect(status).to_contain_text("waiting list for 2 seats side by side")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"waitlist-{name}.png", full_page=True)

    page.get_by_role("button", name="Leave the waiting list").click()
    expect(page.get_by_role("button", name="Join the waiting list")).to_be_visible()
    assert [e["status"] for e in api.get("/api/me/waitlist", headers=bearer(me)).json()] == [
        "cancelled"
    ]
    page.get_by_role("button", name="Join the waiting list").click()
    expect(status).to_have_attribute("data-status", "waiting")
    page.reload()
    expect(page.locator(".waitlist__status")).to_have_attribute("data-status", "waiting")

    cancelled = api.post(f"/api/bookings/{blocked}/cancel", headers=bearer(blocker))
    assert cancelled.status_code == 200
    served = poll(
        lambda: api.get("/api/me/waitlist", headers=bearer(me)).json()[0]["status"] == "served"
    )
    assert served
    mine = api.get("/api/me/bookings", headers=bearer(me)).json()["items"]
    assert [(b["source"], b["status"], len(b["seats"])) for b in mine] == [
        ("waitlist", "pending", 2)
    ]
