"""How the gateway serves the booking page and its files (no browser needed)."""

from __future__ import annotations

import httpx


def test_the_page_is_served_at_the_root_with_the_seat_limit_and_a_strict_policy(
    api: httpx.Client,
) -> None:
    response = api.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'name="booking-max-seats" content="4"' in response.text
    assert '<script type="module" src="/static/js/app.js?v=' in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_modules_and_styles_are_served_with_their_types_and_revalidated(
    api: httpx.Client,
) -> None:
    script = api.get("/static/js/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "no-cache"
    again = api.get("/static/js/app.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304
    assert api.get("/static/styles.css").headers["content-type"].startswith("text/css")


def test_nothing_outside_the_static_folder_is_served(api: httpx.Client) -> None:
    for path in ("/static/../routes/page.py", "/static/%2e%2e/routes/page.py", "/static/nope.js"):
        assert api.get(path).status_code == 404, path
    assert "/" not in api.get("/openapi.json").json()["paths"]
