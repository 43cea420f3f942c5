"""The door page at `/door`: staff check tickets in by camera or typed code (gateway/static)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway.routes.page import page_headers, versioned_page

router = APIRouter(include_in_schema=False)

CAMERA_ALLOWED = {"Permissions-Policy": "camera=(self)"}
"""The camera for this page only (it reads QR codes)."""


@router.get("/door", response_class=HTMLResponse)
async def door() -> HTMLResponse:
    """The door page; who may check tickets in is decided by the API (staff and admins)."""
    page = versioned_page("door.html")
    return HTMLResponse(page.html, headers=page_headers(page) | CAMERA_ALLOWED)
