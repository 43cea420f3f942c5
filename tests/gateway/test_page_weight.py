"""What the page costs to load: gzip, hashed static URLs kept a year, one seat list."""

from __future__ import annotations

import json
import re

import httpx

from gateway.assets import IMMUTABLE
from gateway.routes.page import STATIC_DIR, STATIC_VERSIONS
from tests.gateway.fakes import FakeClients
from tests.gateway.helpers import a_hall, a_movie, a_session

GZIP = {"Accept-Encoding": "gzip"}


def import_map(html: str) -> dict[str, str]:
    found = re.search(r'<script type="importmap">(.*?)</script>', html)
    assert found, "no import map"
    imports: dict[str, str] = json.loads(found[1])["imports"]
    return imports


async def test_the_page_and_its_scripts_are_gzipped(api: httpx.AsyncClient) -> None:
    page = await api.get("/", headers=GZIP)
    script = await api.get(STATIC_VERSIONS.url("js/seatmap.js"), headers=GZIP)

    for response in (page, script):
        assert response.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in response.headers["vary"].lower()
    raw = (STATIC_DIR / "js" / "seatmap.js").read_bytes()
    assert script.content == raw  # httpx inflates it
    assert int(script.headers["content-length"]) < len(raw) / 2


async def test_tiny_answers_and_clients_without_gzip_get_plain_bodies(
    api: httpx.AsyncClient,
) -> None:
    tiny = await api.get("/readyz", headers=GZIP)
    assert "content-encoding" not in tiny.headers
    plain = await api.get("/", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


async def test_an_oversized_body_is_still_413_with_gzip_in_place(
    api: httpx.AsyncClient, user: dict[str, str]
) -> None:
    too_big = b"{" + b" " * 70_000 + b"}"
    response = await api.post(
        "/api/bookings",
        content=too_big,
        headers=user | GZIP | {"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_every_module_has_a_hashed_url_in_the_import_map_and_a_preload(
    api: httpx.AsyncClient,
) -> None:
    html = (await api.get("/")).text
    imports = import_map(html)
    modules = sorted(path.relative_to(STATIC_DIR).as_posix() for path in STATIC_DIR.rglob("*.js"))
    assert sorted(imports) == [f"/static/{module}" for module in modules]
    for plain, hashed in imports.items():
        assert hashed == f"{plain}?v={STATIC_VERSIONS.hashes[plain.removeprefix('/static/')]}"
        assert f'<link rel="modulepreload" href="{hashed}" />' in html
    assert f'<script type="module" src="{imports["/static/js/app.js"]}">' in html
    assert f'href="{STATIC_VERSIONS.url("styles.css")}"' in html


async def test_the_page_csp_allows_exactly_its_own_import_map(api: httpx.AsyncClient) -> None:
    response = await api.get("/")
    csp = response.headers["content-security-policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "'sha256-" in script_src
    assert response.headers["cache-control"] == "no-cache"


async def test_hashed_urls_are_kept_a_year_and_others_revalidated(api: httpx.AsyncClient) -> None:
    current = await api.get(STATIC_VERSIONS.url("js/app.js"))
    assert current.headers["cache-control"] == IMMUTABLE
    for url in ("/static/js/app.js", "/static/js/app.js?v=0000000000000000"):
        response = await api.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"
        assert "etag" in response.headers


async def test_the_seat_map_page_gets_the_aggregate_without_the_hall_seats(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.cinema.replies["GetSession"] = a_session()
    services.cinema.replies["GetHall"] = a_hall()
    services.movies.replies["GetMovie"] = a_movie()

    whole = (await api.get("/api/sessions/4/aggregate")).json()
    lean = (await api.get("/api/sessions/4/aggregate", params={"seats": "false"})).json()

    assert whole["hall"]["seats"]
    assert lean["hall"] == {key: whole["hall"][key] for key in ("id", "number", "name")}
    assert lean["session"] == whole["session"]
    assert lean["movie"] == whole["movie"]


def test_the_seat_map_page_asks_for_the_aggregate_without_seats() -> None:
    session_view = (STATIC_DIR / "js" / "views" / "session.js").read_text(encoding="utf-8")
    assert "/aggregate`" not in session_view
    assert "/aggregate?seats=false`" in session_view
