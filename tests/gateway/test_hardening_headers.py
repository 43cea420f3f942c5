"""Request ids a client sends are used only when safe; API answers carry the safety headers."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.gateway.fakes import FakeClients
from tests.gateway.helpers import a_movie

FRESH_ID = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    "raw",
    [
        "caf\xe9".encode("latin-1"),
        "\u00b2".encode(),
        b"a\tb",
        b"a b",
        b"x" * 129,
        b"a/b",
        b"",
    ],
)
async def test_an_unsafe_request_id_is_replaced_with_a_fresh_one(
    api: httpx.AsyncClient, services: FakeClients, raw: bytes
) -> None:
    services.movies.replies["GetMovie"] = a_movie()
    response = await api.get("/api/movies/5", headers=[(b"X-Request-ID", raw)])
    assert response.status_code == 200, response.text
    assert FRESH_ID.fullmatch(response.headers["X-Request-ID"])
    assert response.headers["X-Request-ID"] in services.movies.last("GetMovie").metadata.values()


@pytest.mark.parametrize("safe", ["trace-me", "A.b_c-9", "x" * 128])
async def test_a_safe_request_id_is_kept(
    api: httpx.AsyncClient, services: FakeClients, safe: str
) -> None:
    services.movies.replies["GetMovie"] = a_movie()
    response = await api.get("/api/movies/5", headers={"X-Request-ID": safe})
    assert response.headers["X-Request-ID"] == safe


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/movies/5"),
        ("GET", "/api/nothing"),
        ("POST", "/api/genres"),
        ("GET", "/"),
        ("GET", "/static/styles.css"),
    ],
)
async def test_answers_tell_browsers_not_to_sniff_or_leak_the_referrer(
    api: httpx.AsyncClient, services: FakeClients, method: str, path: str
) -> None:
    services.movies.replies["GetMovie"] = a_movie()
    response = await api.request(method, path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_the_page_keeps_its_content_security_policy(api: httpx.AsyncClient) -> None:
    response = await api.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


async def test_metrics_are_not_served_on_the_api_port(api: httpx.AsyncClient) -> None:
    assert (await api.get("/metrics")).status_code == 404
