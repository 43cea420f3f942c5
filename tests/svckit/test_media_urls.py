"""Poster and trailer URLs: https or a path on this site, never anything a browser could run."""

from __future__ import annotations

import pytest

from svckit.media_urls import MEDIA_URL_MAX, media_url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "/static/posters/orbit-of-small-things.svg",
        "https://images.example.com/posters/arrival.jpg?w=400",
        "HTTPS://example.com/trailer",
        "https://example.com:8443/a%20b.png",
    ],
)
def test_https_urls_and_paths_on_this_site_are_kept(url: str) -> None:
    assert media_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:image/svg+xml,<svg onload=alert(1)>",
        "vbscript:msgbox(1)",
        "http://example.com/poster.jpg",
        "ftp://example.com/poster.jpg",
        "//evil.example.com/poster.jpg",
        "/\\evil.example.com/poster.jpg",
        "https:/poster.jpg",
        "https://user:secret@example.com/poster.jpg",
        "https://example.com/a poster.jpg",
        "posters/relative-without-slash.svg",
        "https://example.com/" + "x" * MEDIA_URL_MAX,
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="must"):
        media_url(url)
