"""The booking page at `/` and its static files under `/static` (plain ES modules, no build)."""

from __future__ import annotations

import html
import os
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from gateway.deps import Settings
from gateway.routes.config import public_config

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
}
"""With the safety headers every answer carries (gateway/edge.py)."""


class RevalidatedStaticFiles(StaticFiles):
    """Static files a browser revalidates on every load (ETag), so an edit shows at once."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "no-cache"
        return response


router = APIRouter(include_in_schema=False)
router.mount("/static", RevalidatedStaticFiles(directory=STATIC_DIR), name="static")


@cache
def page_template() -> str:
    return (STATIC_DIR / "index.html").read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse)
async def booking_page(settings: Settings) -> HTMLResponse:
    """The single-page booking app, with the public config (GET /api/config) in its meta tags."""
    page = page_template()
    for name, value in public_config(settings).model_dump().items():
        page = page.replace(f"{{{{{name.upper()}}}}}", html.escape(str(value)))
    return HTMLResponse(page, headers=PAGE_HEADERS)
