"""The booking page at `/` and its static files under `/static` (plain ES modules, no build).

Static files are named by content hash in the page (gateway/assets.py), so browsers keep them a
year and ask for nothing again until a file changes; the page itself is revalidated every time.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway.assets import REVALIDATE, AssetVersions, VersionedPage, VersionedStaticFiles
from gateway.deps import Settings
from gateway.routes.config import public_config

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_VERSIONS = AssetVersions.of(STATIC_DIR, "/static")
"""Every static file's hash, taken when the gateway starts (restart it after editing one)."""


def page_headers(page: VersionedPage) -> dict[str, str]:
    """With the safety headers every answer carries (gateway/edge.py)."""
    scripts = " ".join(("'self'", *page.script_hashes))
    return {
        "Cache-Control": REVALIDATE,
        "Content-Security-Policy": (
            f"default-src 'self'; script-src {scripts}; connect-src 'self'; "
            "img-src 'self' data: https:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'"
        ),
    }


router = APIRouter(include_in_schema=False)
router.mount(
    "/static",
    VersionedStaticFiles(directory=STATIC_DIR, versions=STATIC_VERSIONS),
    name="static",
)


@cache
def versioned_page(name: str = "index.html") -> VersionedPage:
    """A page of the static folder with its static URLs hashed, rendered once."""
    template = (STATIC_DIR / name).read_text(encoding="utf-8")
    return VersionedPage.render(template, STATIC_VERSIONS)


@router.get("/", response_class=HTMLResponse)
async def booking_page(settings: Settings) -> HTMLResponse:
    """The single-page booking app, with the public config (GET /api/config) in its meta tags."""
    page = versioned_page()
    text = page.html
    for name, value in public_config(settings).model_dump().items():
        text = text.replace(f"{{{{{name.upper()}}}}}", html.escape(str(value)))
    return HTMLResponse(text, headers=page_headers(page))
