"""/docs and /redoc render in Chromium with every host but this machine blocked."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route

from tests.browser.conftest import DESKTOP, SCREENSHOTS
from tests.conftest import RunningStack

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ("/docs", "#operations-bookings-create_booking_api_bookings_post"),
        ("/redoc", "h2:has-text('Browse movies by title')"),
    ],
)
def test_the_docs_render_without_internet(
    browser: Browser, running_stack: RunningStack, path: str, rendered: str
) -> None:
    blocked: list[tuple[str, str]] = []

    def only_this_machine(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and (
            urlsplit(url).hostname not in LOCAL_HOSTS
        ):
            blocked.append((route.request.resource_type, url))
            route.abort("internetdisconnected")
            return
        route.continue_()

    context = browser.new_context(base_url=running_stack.base_url, viewport=DESKTOP)
    context.route("**/*", only_this_machine)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path)
        page.wait_for_selector(rendered, timeout=30_000)
        assert page.get_by_text("Cinema Hall").first.is_visible()
        asyncapi = page.locator('a[href="/asyncapi.json"]').first
        assert asyncapi.is_visible()
        assert page.request.get("/asyncapi.json").json()["asyncapi"] == "3.0.0"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"docs-offline{path.replace('/', '-')}.png")
    finally:
        context.close()
    # ReDoc's footer asks for its maker's logo, and hides it when it cannot load: no script,
    # style, font or data is ever asked of another host.
    assert [url for kind, url in blocked if kind != "image"] == []
    assert errors == []
