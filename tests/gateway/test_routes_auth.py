"""Sign-up, sign-in and bearer tokens, in process: validation, error mapping, token checks."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

from cinemapb.user.v1 import user_pb2
from svckit.errors import AlreadyExists, Unauthenticated
from tests.gateway.fakes import FakeClients, rpc_error
from tests.gateway.helpers import a_user, assert_error
from tests.helpers import DEFAULT_PASSWORD, new_email


def registration(**changes: Any) -> dict[str, Any]:
    return {"email": new_email(), "password": DEFAULT_PASSWORD, "name": "Ada"} | changes


async def test_register_sends_the_fields_and_answers_201_with_the_user(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.users.replies["Register"] = a_user()
    body = registration()
    response = await api.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    assert response.json() == {
        "id": 7,
        "email": "ada@example.com",
        "name": "Ada",
        "role": "user",
        "created_at": "2030-03-17T17:46:40Z",
        "updated_at": "2030-03-17T17:46:40Z",
    }
    request = services.users.last("Register").request
    assert (request.email, request.password, request.name) == (
        body["email"],
        body["password"],
        "Ada",
    )


async def test_register_with_a_taken_email_is_409_email_taken(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    error = AlreadyExists("email is already registered", code="email_taken")
    services.users.replies["Register"] = rpc_error(error)
    response = await api.post("/api/auth/register", json=registration())
    assert_error(response, 409, "email_taken")
    assert response.json()["error"] == "email is already registered"


async def test_login_answers_the_services_token_as_a_bearer_token(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.users.replies["Login"] = user_pb2.LoginResponse(
        access_token="t.o.k", expires_in=60, refresh_token="r.e.f", refresh_expires_in=3600
    )
    response = await api.post("/api/auth/login", json={"email": "a@example.com", "password": "x"})
    assert response.json() == {
        "access_token": "t.o.k",
        "token_type": "bearer",
        "expires_in": 60,
        "refresh_token": "r.e.f",
        "refresh_expires_in": 3600,
    }


async def test_wrong_credentials_are_401_invalid_credentials(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    error = Unauthenticated("invalid email or password", code="invalid_credentials")
    services.users.replies["Login"] = rpc_error(error)
    response = await api.post("/api/auth/login", json={"email": "a@example.com", "password": "x"})
    assert_error(response, 401, "invalid_credentials")


# Moved from tests/e2e/test_auth.py: the gateway answers these without asking a service.


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": new_email(), "password": DEFAULT_PASSWORD}, "name"),
        ({"password": DEFAULT_PASSWORD, "name": "Ada"}, "email"),
        (registration(email=123), "email"),
        (registration(password=["not", "a", "string"]), "password"),
        (registration(name=None), "name"),
        (registration(name=""), "name"),
        (registration(name="n" * 101), "name"),
        (registration(email="a" * 250 + "@example.com"), "email"),
        (registration(password="Aa1" * 100), "password"),
    ],
)
async def test_register_with_a_missing_mistyped_or_overlong_field_is_422_naming_it(
    api: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await api.post("/api/auth/register", json=body)
    assert_error(response, 422, "validation_error")
    result = response.json()
    assert field in [entry["field"] for entry in result["fields"]]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b'{"email": "a@example.com",', "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b"[1, 2, 3]", "validation_error"),
        (b"", "validation_error"),
    ],
)
async def test_register_with_a_body_that_is_not_a_json_object_is_422(
    api: httpx.AsyncClient, content: bytes, code: str
) -> None:
    response = await api.post(
        "/api/auth/register", content=content, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422, code)


async def test_login_with_a_missing_field_is_422(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/auth/login", json={"email": new_email()})
    assert_error(response, 422, "validation_error")


async def test_api_me_without_a_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/me")
    assert_error(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-jwt", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Bearer"]
)
async def test_api_me_with_a_garbage_token_is_401(
    api: httpx.AsyncClient, authorization: str
) -> None:
    response = await api.get("/api/me", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json()["code"] in {"invalid_token", "unauthenticated"}


async def test_a_token_signed_with_another_secret_never_reaches_a_service(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    token = jwt.encode({"sub": "7", "role": "admin"}, "another-secret-" + "x" * 32, "HS256")
    response = await api.get("/api/users", headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "invalid_token")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert services.users.calls == []
