"""The door page at `/door`: staff check tickets in by camera or typed code (gateway/static)."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway.routes.page import PAGE_HEADERS, STATIC_DIR

router = APIRouter(include_in_schema=False)

DOOR_HEADERS = PAGE_HEADERS | {"Permissions-Policy": "camera=(self)"}
"""The page's own headers, and the camera for this page only (it reads QR codes)."""


@cache
def door_page() -> str:
    return (STATIC_DIR / "door.html").read_text(encoding="utf-8")


@router.get("/door", response_class=HTMLResponse)
async def door() -> HTMLResponse:
    """The door page; who may check tickets in is decided by the API (staff and admins)."""
    return HTMLResponse(door_page(), headers=DOOR_HEADERS)
