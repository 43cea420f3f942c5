"""A validly signed token whose subject is not a plain ASCII user id is 401, never 500."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from gateway.settings import GatewaySettings
from tests.gateway.fakes import FakeClients
from tests.gateway.helpers import a_user, assert_error


def token_with_subject(settings: GatewaySettings, subject: str) -> str:
    now = int(time.time())
    claims = {"sub": subject, "role": "admin", "iat": now, "exp": now + 60, "jti": "odd"}
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), settings.jwt_algorithm)


@pytest.mark.parametrize("subject", ["\u00b2", "\u0661", "+1", " 1", "99999999999999999999"])
async def test_a_token_naming_no_plain_user_id_is_401(
    api: httpx.AsyncClient, services: FakeClients, settings: GatewaySettings, subject: str
) -> None:
    services.users.replies["GetUser"] = a_user()
    token = token_with_subject(settings, subject)
    response = await api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "invalid_token")
    assert services.users.calls == []
