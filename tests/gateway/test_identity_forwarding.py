"""The gateway forwards the verified bearer token to the services, and nothing else names a user."""

from __future__ import annotations

import time

import httpx

from gateway.settings import GatewaySettings
from svckit.service_identity import issue_service_token
from tests.gateway.fakes import FakeClients
from tests.gateway.helpers import a_user, assert_error


async def test_a_user_call_forwards_the_token_and_no_identity_metadata(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.users.replies["GetUser"] = a_user()
    await api.get("/api/users/3", headers=admin)
    metadata = services.users.last("GetUser").metadata
    assert metadata["authorization"] == admin["Authorization"]
    assert not {"x-user-id", "x-user-role"} & metadata.keys()


async def test_a_public_read_forwards_no_token(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    await api.get("/api/push/vapid-public-key", headers=user)
    assert "authorization" not in services.users.last("GetVapidPublicKey").metadata


async def test_a_service_token_is_no_user_token_at_the_gateway(
    api: httpx.AsyncClient, services: FakeClients, settings: GatewaySettings
) -> None:
    token = issue_service_token(
        "booking_svc",
        secret=settings.jwt_secret.get_secret_value(),
        algorithm=settings.jwt_algorithm,
        ttl_seconds=60,
        now=time.time(),
    )
    response = await api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "invalid_token")
    assert services.users.calls == []
