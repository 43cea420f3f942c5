"""The operator console at `/admin`: the same static app as the booking page, its own entry.

Showing or hiding its controls is a convenience; every action is checked by the API's roles.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway.routes.page import page_headers, versioned_page

router = APIRouter(include_in_schema=False)


@router.get("/admin", response_class=HTMLResponse)
async def console_page() -> HTMLResponse:
    """Halls, schedule, prices, catalogue and live sales for admins and staff."""
    page = versioned_page("admin.html")
    return HTMLResponse(page.html, headers=page_headers(page))
