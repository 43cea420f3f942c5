"""Accounts, push subscriptions and health in process: identity, role mapping, validation."""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2

from cinemapb.user.v1 import user_pb2
from svckit.errors import InvalidArgument, NotFound, PermissionDenied
from tests.gateway.conftest import USER_ID
from tests.gateway.fakes import FakeClients, failed_call, rpc_error
from tests.gateway.helpers import MOMENT, a_user, assert_error

ENDPOINT = "https://push.example.com/send/abc"
P256DH = "BA" + "A" * 85
AUTH = "A" * 22


async def test_api_me_asks_for_the_callers_own_account(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    services.users.replies["GetUser"] = a_user()
    response = await api.get("/api/me", headers=user)
    assert response.json()["role"] == "user"
    call = services.users.last("GetUser")
    assert call.request.id == USER_ID
    assert call.metadata["authorization"] == user["Authorization"]
    assert "x-user-role" not in call.metadata


async def test_an_update_sends_only_the_fields_given_and_the_role_as_its_number(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.users.replies["UpdateUser"] = a_user(role=user_pb2.ROLE_ADMIN)
    response = await api.put("/api/users/7", json={"role": "admin", "name": "Ada"}, headers=admin)
    assert response.json()["role"] == "admin"
    request = services.users.last("UpdateUser").request
    assert (request.id, request.name, request.role) == (7, "Ada", user_pb2.ROLE_ADMIN)
    assert not request.HasField("email")
    assert not request.HasField("password")


async def test_another_users_account_is_403_as_the_service_says(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    error = PermissionDenied("you may only access your own account")
    services.users.replies["DeleteUser"] = rpc_error(error)
    assert_error(await api.delete("/api/users/8", headers=user), 403, "forbidden")


async def test_a_deleted_account_answers_204_without_a_body(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.users.replies["DeleteUser"] = user_pb2.User()
    response = await api.delete("/api/users/8", headers=admin)
    assert (response.status_code, response.content) == (204, b"")


async def test_an_unknown_account_is_404(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.users.replies["GetUser"] = rpc_error(NotFound("no such user", code="user_not_found"))
    assert_error(await api.get("/api/users/8", headers=admin), 404, "user_not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/me"),
        ("GET", "/api/users"),
        ("GET", "/api/users/7"),
        ("PUT", "/api/users/7"),
        ("DELETE", "/api/users/7"),
        ("POST", "/api/me/push-subscriptions"),
        ("DELETE", "/api/me/push-subscriptions?endpoint=x"),
    ],
)
async def test_account_routes_without_a_token_are_401(
    api: httpx.AsyncClient, services: FakeClients, method: str, path: str
) -> None:
    assert_error(await api.request(method, path, json={}), 401, "unauthenticated")
    assert services.users.calls == []


@pytest.mark.parametrize("body", [{"role": "superuser"}, {"name": ""}, {"email": "x" * 300}])
async def test_an_invalid_update_is_422(
    api: httpx.AsyncClient, user: dict[str, str], body: dict[str, Any]
) -> None:
    assert_error(await api.put("/api/users/7", json=body, headers=user), 422, "validation_error")


async def test_a_push_subscription_is_sent_with_its_keys(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    services.users.replies["AddPushSubscription"] = user_pb2.PushSubscription(
        id=3, endpoint=ENDPOINT, created_at=MOMENT
    )
    body = {"endpoint": ENDPOINT, "keys": {"p256dh": P256DH, "auth": AUTH}}
    response = await api.post("/api/me/push-subscriptions", json=body, headers=user)
    assert response.status_code == 201
    assert response.json() == {"id": 3, "endpoint": ENDPOINT, "created_at": "2030-03-17T17:46:40Z"}
    request = services.users.last("AddPushSubscription").request
    assert (request.p256dh, request.auth) == (P256DH, AUTH)


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": "BA" + "A" * 20, "auth": AUTH},
        {"p256dh": "CA" + "A" * 85, "auth": AUTH},
        {"p256dh": P256DH, "auth": "AAAA"},
        {"p256dh": P256DH, "auth": "not base64!"},
    ],
)
async def test_malformed_push_keys_are_422(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str], keys: dict[str, str]
) -> None:
    body = {"endpoint": ENDPOINT, "keys": keys}
    response = await api.post("/api/me/push-subscriptions", json=body, headers=user)
    assert_error(response, 422, "validation_error")
    assert services.users.calls == []


async def test_a_plain_http_push_endpoint_is_422_as_the_service_says(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    error = InvalidArgument("invalid push endpoint", code="invalid_push_endpoint")
    services.users.replies["AddPushSubscription"] = rpc_error(error)
    body = {"endpoint": "http://x", "keys": {"p256dh": P256DH, "auth": AUTH}}
    response = await api.post("/api/me/push-subscriptions", json=body, headers=user)
    assert_error(response, 422, "invalid_push_endpoint")


async def test_the_vapid_key_needs_no_token(api: httpx.AsyncClient, services: FakeClients) -> None:
    services.users.replies["GetVapidPublicKey"] = user_pb2.VapidPublicKey(public_key="BKey")
    assert (await api.get("/api/push/vapid-public-key")).json() == {"public_key": "BKey"}


async def test_healthz_is_200_when_every_service_serves(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    for health in services.healths.values():
        health.replies["Check"] = health_pb2.HealthCheckResponse(
            status=health_pb2.HealthCheckResponse.SERVING
        )
    response = await api.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_healthz_is_503_naming_an_unreachable_service(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    for health in services.healths.values():
        health.replies["Check"] = health_pb2.HealthCheckResponse(
            status=health_pb2.HealthCheckResponse.SERVING
        )
    services.healths["cinema_svc"].replies["Check"] = failed_call(grpc.StatusCode.UNAVAILABLE)
    response = await api.get("/healthz")
    assert_error(response, 503, "service_unavailable")
    assert response.json()["down"] == ["cinema_svc"]
    assert response.json()["services"]["cinema_svc"] == "UNREACHABLE"


# Moved from tests/e2e/test_users.py: the gateway answers these without asking a service.


@pytest.mark.parametrize(
    "params", [{"page_size": 101}, {"page_size": 0}, {"page": 0}, {"page": "first"}]
)
async def test_listing_users_with_bad_paging_is_422(
    api: httpx.AsyncClient, admin: dict[str, str], params: dict[str, Any]
) -> None:
    response = await api.get("/api/users", params=params, headers=admin)
    assert_error(response, 422, "validation_error")


@pytest.mark.parametrize("user_id", ["0", "-1", "abc", str(2**63)])
async def test_a_user_id_out_of_range_is_422(
    api: httpx.AsyncClient, admin: dict[str, str], user_id: str
) -> None:
    assert_error(await api.get(f"/api/users/{user_id}", headers=admin), 422, "validation_error")
