"""Renewal, sign-out and revoked tokens at the gateway, in process: what user_svc says counts."""

from __future__ import annotations

import httpx
import pytest

from cinemapb.user.v1 import user_pb2
from gateway.revocation import TokenVersions, Version
from gateway.settings import GatewaySettings
from svckit.errors import Unauthenticated
from svckit.identity import Caller
from svckit.tokens import issue_access_token
from tests.gateway.conftest import USER_ID, KnownVersions
from tests.gateway.fakes import FakeClients, rpc_error
from tests.gateway.helpers import a_user, assert_error

PAIR = user_pb2.LoginResponse(
    access_token="a.c.c", expires_in=900, refresh_token="next-refresh", refresh_expires_in=1209600
)


def bearer(settings: GatewaySettings, version: int, user_id: int = USER_ID) -> dict[str, str]:
    token = issue_access_token(
        Caller(user_id, "user"),
        secret=settings.jwt_secret.get_secret_value(),
        algorithm=settings.jwt_algorithm,
        ttl_seconds=600,
        version=version,
    )
    return {"Authorization": f"Bearer {token}"}


async def me(api: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await api.get("/api/me", headers=headers)


@pytest.fixture(autouse=True)
def profile(services: FakeClients) -> None:
    services.users.replies["GetUser"] = a_user()


async def test_refresh_exchanges_the_refresh_token_for_a_new_pair(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.users.replies["Refresh"] = PAIR
    response = await api.post("/api/auth/refresh", json={"refresh_token": "old-refresh"})
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] == "next-refresh"
    assert response.json()["access_token"] == "a.c.c"
    assert services.users.last("Refresh").request.refresh_token == "old-refresh"


async def test_a_spent_or_revoked_refresh_token_is_401_invalid_refresh_token(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    refused = Unauthenticated("refresh token not valid", code="invalid_refresh_token")
    services.users.replies["Refresh"] = rpc_error(refused)
    response = await api.post("/api/auth/refresh", json={"refresh_token": "spent"})
    assert_error(response, 401, "invalid_refresh_token")


@pytest.mark.parametrize("body", [{}, {"refresh_token": ""}, {"refresh_token": "x" * 513}])
async def test_a_missing_or_odd_refresh_token_is_422(
    api: httpx.AsyncClient, body: dict[str, str]
) -> None:
    assert_error(await api.post("/api/auth/refresh", json=body), 422, "validation_error")


async def test_logout_ends_the_sign_in_of_the_refresh_token(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.users.replies["Logout"] = user_pb2.LogoutRequest()
    response = await api.post("/api/auth/logout", json={"refresh_token": "mine"})
    assert response.status_code == 204
    assert services.users.last("Logout").request.refresh_token == "mine"


async def test_a_token_of_the_current_version_is_accepted(
    api: httpx.AsyncClient, settings: GatewaySettings, known_versions: KnownVersions
) -> None:
    known_versions[USER_ID] = Version(3)
    assert (await me(api, bearer(settings, 3))).status_code == 200


async def test_a_token_of_an_older_version_is_401_token_revoked(
    api: httpx.AsyncClient, settings: GatewaySettings, known_versions: KnownVersions
) -> None:
    known_versions[USER_ID] = Version(3)
    assert_error(await me(api, bearer(settings, 2)), 401, "token_revoked")


async def test_a_deleted_users_token_is_401_token_revoked(
    api: httpx.AsyncClient, settings: GatewaySettings, known_versions: KnownVersions
) -> None:
    known_versions[USER_ID] = Version(0, deleted=True)
    assert_error(await me(api, bearer(settings, 0)), 401, "token_revoked")


async def test_a_heard_change_revokes_at_once_although_the_asked_version_is_kept(
    api: httpx.AsyncClient,
    settings: GatewaySettings,
    known_versions: KnownVersions,
    token_versions: TokenVersions,
) -> None:
    headers = bearer(settings, 0)
    assert (await me(api, headers)).status_code == 200
    known_versions[USER_ID] = Version(1)
    token_versions.heard(USER_ID, Version(1))
    assert_error(await me(api, headers), 401, "token_revoked")
    assert (await me(api, bearer(settings, 1))).status_code == 200


async def test_versions_are_asked_once_per_user_then_kept(
    api: httpx.AsyncClient, settings: GatewaySettings, known_versions: KnownVersions
) -> None:
    for _ in range(5):
        assert (await me(api, bearer(settings, 0))).status_code == 200
    assert known_versions.lookups == 1


async def test_a_heard_change_counts_although_user_svc_cannot_be_asked(
    api: httpx.AsyncClient,
    settings: GatewaySettings,
    known_versions: KnownVersions,
    token_versions: TokenVersions,
) -> None:
    known_versions.down = True
    assert (await me(api, bearer(settings, 0))).status_code == 200
    token_versions.heard(USER_ID, Version(2, deleted=True))
    assert_error(await me(api, bearer(settings, 2)), 401, "token_revoked")


async def test_a_token_newer_than_what_this_replica_knows_is_accepted(
    api: httpx.AsyncClient, settings: GatewaySettings, known_versions: KnownVersions
) -> None:
    known_versions[USER_ID] = Version(1)
    assert (await me(api, bearer(settings, 2))).status_code == 200


def test_what_was_heard_only_moves_forward() -> None:
    assert Version(3).newest(Version(2)) == Version(3)
    assert Version(2).newest(Version(3, deleted=True)) == Version(3, deleted=True)
    assert Version(4).newest(None) == Version(4)
