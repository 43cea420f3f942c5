"""Sign-ins end when they should: refresh tokens rotate, and a password change, a demotion or a
deletion voids the user's access tokens on every gateway replica within a second."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import GATEWAY_PORT, RunningStack
from tests.helpers import DEFAULT_PASSWORD, admin_token, bearer, register

REVOKED_WITHIN_SECONDS = 1.0
SECOND_GATEWAY_PORT = GATEWAY_PORT + 500


@pytest.fixture(scope="module")
def second_gateway(running_stack: RunningStack) -> Iterator[httpx.Client]:
    """Another replica of the gateway in front of the same services."""
    with running_stack.gateway_replica(SECOND_GATEWAY_PORT, "second-gateway") as client:
        yield client


def sign_in(api: httpx.Client, email: str, password: str = DEFAULT_PASSWORD) -> dict[str, Any]:
    response = api.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return dict(response.json())


def refreshed(api: httpx.Client, refresh_token: str) -> httpx.Response:
    return api.post("/api/auth/refresh", json={"refresh_token": refresh_token})


def seconds_until_refused(replicas: list[httpx.Client], token: str) -> float:
    """How long after now every replica answers the token with 401 token_revoked."""
    started = time.monotonic()
    waiting = list(replicas)
    while waiting and time.monotonic() - started < 5.0:
        for replica in list(waiting):
            response = replica.get("/api/me", headers=bearer(token))
            if response.status_code == 401:
                assert response.json()["code"] == "token_revoked", response.text
                waiting.remove(replica)
        time.sleep(0.02)
    assert not waiting, "a replica still accepts the revoked token"
    return time.monotonic() - started


def test_login_answers_a_refresh_token_that_renews_the_access_token(api: httpx.Client) -> None:
    user = register(api)
    pair = sign_in(api, user["email"])
    assert pair["refresh_expires_in"] > pair["expires_in"] > 0
    renewed = refreshed(api, pair["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()
    assert fresh["refresh_token"] != pair["refresh_token"]
    me = api.get("/api/me", headers=bearer(fresh["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]


def test_a_refresh_token_used_twice_ends_the_whole_sign_in(api: httpx.Client) -> None:
    user = register(api)
    first = sign_in(api, user["email"])["refresh_token"]
    second = refreshed(api, first).json()["refresh_token"]
    reused = refreshed(api, first)
    assert reused.status_code == 401
    assert reused.json()["code"] == "invalid_refresh_token"
    assert refreshed(api, second).status_code == 401


def test_after_logout_the_refresh_token_is_refused(api: httpx.Client) -> None:
    user = register(api)
    pair = sign_in(api, user["email"])
    response = api.post("/api/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 204
    assert refreshed(api, pair["refresh_token"]).json()["code"] == "invalid_refresh_token"


def test_a_password_change_voids_old_tokens_on_every_replica_within_a_second(
    api: httpx.Client, second_gateway: httpx.Client
) -> None:
    user = register(api)
    pair = sign_in(api, user["email"])
    old = bearer(pair["access_token"])
    assert second_gateway.get("/api/me", headers=old).status_code == 200
    changed = api.put(
        f"/api/users/{user['id']}", json={"password": "N3w-Popcorn-Night"}, headers=old
    )
    assert changed.status_code == 200, changed.text
    took = seconds_until_refused([api, second_gateway], pair["access_token"])
    assert took <= REVOKED_WITHIN_SECONDS
    assert refreshed(api, pair["refresh_token"]).status_code == 401
    assert (
        api.get(
            "/api/me",
            headers=bearer(sign_in(api, user["email"], "N3w-Popcorn-Night")["access_token"]),
        ).status_code
        == 200
    )


def test_a_demoted_admin_loses_admin_routes_on_every_replica_within_a_second(
    api: httpx.Client, second_gateway: httpx.Client
) -> None:
    user = register(api)
    admin = bearer(admin_token(api))
    assert api.put(f"/api/users/{user['id']}", json={"role": "admin"}, headers=admin).is_success
    promoted = sign_in(api, user["email"])["access_token"]
    assert second_gateway.get("/api/users", headers=bearer(promoted)).status_code == 200
    assert api.put(f"/api/users/{user['id']}", json={"role": "user"}, headers=admin).is_success
    took = seconds_until_refused([api, second_gateway], promoted)
    assert took <= REVOKED_WITHIN_SECONDS
    assert second_gateway.get("/api/users", headers=bearer(promoted)).status_code == 401


def test_a_deleted_users_token_can_neither_hold_seats_nor_pay(
    api: httpx.Client, second_gateway: httpx.Client
) -> None:
    user = register(api)
    token = sign_in(api, user["email"])["access_token"]
    admin = bearer(admin_token(api))
    assert api.delete(f"/api/users/{user['id']}", headers=admin).status_code == 204
    took = seconds_until_refused([api, second_gateway], token)
    assert took <= REVOKED_WITHIN_SECONDS
    hold = api.post("/api/bookings", json={"session_id": 1, "seats_id": [1]}, headers=bearer(token))
    assert hold.status_code == 401
    assert hold.json()["code"] == "token_revoked"
    pay = second_gateway.post(
        "/api/bookings/00000000-0000-0000-0000-000000000000/confirm", headers=bearer(token)
    )
    assert pay.status_code == 401
