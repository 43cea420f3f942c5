"""The API documentation: `/docs` (Swagger UI) and `/redoc`, and `/asyncapi.json`.

FastAPI's own pages load their scripts, styles and fonts from public CDNs, so they are blank
without internet. These are the same pages with every asset from the `fastapi-offline`
package (Swagger UI 5 and ReDoc 2 bundles), under hashed URLs that browsers keep. The AsyncAPI
document of the live feed and the Kafka topics is generated (gateway/asyncapi.py).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

from gateway.assets import AssetVersions, VersionedStaticFiles
from gateway.asyncapi import asyncapi_document
from gateway.deps import Settings

DOCS_ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
DOCS_ASSETS = AssetVersions.of(DOCS_ASSETS_DIR, "/docs/assets")
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
SWAGGER_UI_PARAMETERS = {"validatorUrl": None}
"""No call to the public validator service from the page."""

router = APIRouter(include_in_schema=False)
router.mount(
    "/docs/assets",
    VersionedStaticFiles(directory=DOCS_ASSETS_DIR, versions=DOCS_ASSETS),
    name="docs-assets",
)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} - API",
        oauth2_redirect_url=OAUTH2_REDIRECT_URL,
        swagger_js_url=DOCS_ASSETS.url("swagger-ui-bundle.js"),
        swagger_css_url=DOCS_ASSETS.url("swagger-ui.css"),
        swagger_favicon_url=DOCS_ASSETS.url("favicon.png"),
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )


@router.get(OAUTH2_REDIRECT_URL)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} - API",
        redoc_js_url=DOCS_ASSETS.url("redoc.standalone.js"),
        redoc_favicon_url=DOCS_ASSETS.url("favicon.png"),
        with_google_fonts=False,
    )


@router.get("/asyncapi.json")
async def asyncapi(request: Request, settings: Settings) -> dict[str, Any]:
    """The AsyncAPI 3 document of the live seat map and the Kafka topics."""
    return cached_asyncapi_document(
        title=request.app.title,
        version=request.app.version,
        live_host=request.url.netloc,
        secure=request.url.scheme == "https",
        kafka_hosts=settings.kafka_bootstrap_servers,
        topic_prefix=settings.kafka_topic_prefix,
    )


cached_asyncapi_document = lru_cache(maxsize=8)(asyncapi_document)
"""One document per address the gateway is reached at (they differ only in the host)."""
