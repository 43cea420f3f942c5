"""Request bodies over GATEWAY_MAX_BODY_BYTES answer 413 before anything parses them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.settings import GatewaySettings
from tests.gateway.conftest import JWT_SECRET
from tests.gateway.helpers import assert_error

LIMIT = 1024


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(jwt_secret=JWT_SECRET, gateway_max_body_bytes=LIMIT)


def oversized_json() -> bytes:
    return b'{"name": "' + b"x" * (LIMIT * 4) + b'"}'


async def test_a_body_declared_over_the_limit_is_413_before_it_is_read(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    response = await api.post(
        "/api/genres",
        content=oversized_json(),
        headers=admin | {"Content-Type": "application/json"},
    )
    assert_error(response, 413, "payload_too_large")


async def test_a_streamed_body_growing_past_the_limit_is_cut_off_with_413(
    api: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b" " * (LIMIT // 2)
        yield b'{"name": "Drama"}'

    response = await api.post(
        "/api/genres", content=chunks(), headers=admin | {"Content-Type": "application/json"}
    )
    assert "content-length" not in {name.lower() for name in response.request.headers}
    assert_error(response, 413, "payload_too_large")


async def test_a_body_over_the_limit_is_413_even_where_no_login_is_needed(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post(
        "/api/auth/login", content=oversized_json(), headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")


async def test_the_default_limit_is_64_kib() -> None:
    assert GatewaySettings.model_fields["gateway_max_body_bytes"].default == 65536
