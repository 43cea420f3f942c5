"""The booking page at `/` and its static files under `/static` (plain ES modules, no build)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from gateway.deps import Settings

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
MAX_SEATS_MARK = "{{BOOKING_MAX_SEATS}}"
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data: https:; "
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
    """The single-page booking app; the seat limit comes from BOOKING_MAX_SEATS."""
    html = page_template().replace(MAX_SEATS_MARK, str(settings.booking_max_seats))
    return HTMLResponse(html, headers=PAGE_HEADERS)
