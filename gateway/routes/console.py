"""The operator console at `/admin`: the same static app as the booking page, its own entry.

Showing or hiding its controls is a convenience; every action is checked by the API's roles.
"""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway.routes.page import PAGE_HEADERS, STATIC_DIR

router = APIRouter(include_in_schema=False)


@cache
def console_template() -> str:
    return (STATIC_DIR / "admin.html").read_text(encoding="utf-8")


@router.get("/admin", response_class=HTMLResponse)
async def console_page() -> HTMLResponse:
    """Halls, schedule, prices, catalogue and live sales for admins and staff."""
    return HTMLResponse(console_template(), headers=PAGE_HEADERS)
