"""/docs and /redoc load every script, style and icon from this gateway, none from a CDN.

That they render with the network to anywhere else blocked is tested in Chromium
(tests/browser/test_docs_offline.py).
"""

from __future__ import annotations

import re

import httpx
import pytest

from gateway.assets import IMMUTABLE

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_name_only_assets_of_this_gateway(
    api: httpx.AsyncClient, page: str
) -> None:
    html = (await api.get(page)).text

    assets = ASSET.findall(html)
    assert assets
    assert all(asset.startswith("/docs/assets/") for asset in assets), assets
    assert "https://" not in html
    assert "fonts.googleapis" not in html
    for asset in assets:
        response = await api.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["cache-control"] == IMMUTABLE


async def test_swagger_ui_does_not_call_the_public_validator(api: httpx.AsyncClient) -> None:
    assert '"validatorUrl": null' in (await api.get("/docs")).text


async def test_the_oauth2_redirect_page_is_served(api: httpx.AsyncClient) -> None:
    response = await api.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "oauth2" in response.text.lower()
