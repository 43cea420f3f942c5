"""The operator console's entry page at /admin (the browser tests drive the console itself)."""

from __future__ import annotations

import httpx


async def test_the_console_is_served_at_admin_with_its_module_and_the_pages_strict_policy(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/admin")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/admin/app.js?v=' in response.text
    assert '<script type="importmap">' in response.text
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-cache"


async def test_the_console_needs_no_sign_in_to_load_and_is_not_an_api_route(
    api: httpx.AsyncClient,
) -> None:
    assert (await api.get("/static/js/admin/app.js")).status_code == 200
    assert (await api.get("/static/admin.css")).status_code == 200
    assert "/admin" not in (await api.get("/openapi.json")).json()["paths"]
