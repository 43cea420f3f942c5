"""Sign-up, sign-in and access tokens through the gateway."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from svckit.identity import Caller
from svckit.tokens import issue_access_token
from tests.conftest import RunningStack
from tests.helpers import DEFAULT_PASSWORD, bearer, login, new_email, register

USER_FIELDS = {"id", "email", "name", "role", "created_at", "updated_at"}


def registration(**changes: Any) -> dict[str, Any]:
    return {"email": new_email(), "password": DEFAULT_PASSWORD, "name": "Ada"} | changes


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert isinstance(body["error"], str)
    assert body["error"]
    return body


def b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_for(user_id: int, role: str = "user") -> dict[str, Any]:
    now = int(time.time())
    return {"sub": str(user_id), "role": role, "iat": now, "exp": now + 600, "jti": "x"}


def test_register_answers_201_with_the_user_and_no_password(api: httpx.Client) -> None:
    email = new_email("Ada.Lovelace")
    response = api.post("/api/auth/register", json=registration(email=email))
    assert response.status_code == 201, response.text
    user = response.json()
    assert set(user) == USER_FIELDS
    assert (user["email"], user["name"], user["role"]) == (email, "Ada", "user")
    assert isinstance(user["id"], int)
    for stamp in ("created_at", "updated_at"):
        assert datetime.fromisoformat(user[stamp]).utcoffset() is not None
    assert DEFAULT_PASSWORD not in response.text
    assert "hash" not in response.text


def test_register_with_an_email_taken_in_another_case_is_409(api: httpx.Client) -> None:
    email = new_email()
    register(api, email.lower())
    response = api.post("/api/auth/register", json=registration(email=email.upper()))
    assert_error(response, 409, "email_taken")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "at least 8"),
        ("onlyletters", "digit"),
        ("1234567890", "letter"),
        ("Password123", "common"),
        ("a1" * 40, "72 bytes"),
    ],
)
def test_register_with_a_weak_password_is_422_weak_password(
    api: httpx.Client, password: str, reason: str
) -> None:
    response = api.post("/api/auth/register", json=registration(password=password))
    body = assert_error(response, 422, "weak_password")
    assert reason in body["error"]


@pytest.mark.parametrize(
    "email", ["plainaddress", "no-domain@", "@no-local.com", "a@b", "a b@c.com"]
)
def test_register_with_an_invalid_email_is_422_invalid_email(api: httpx.Client, email: str) -> None:
    response = api.post("/api/auth/register", json=registration(email=email))
    assert_error(response, 422, "invalid_email")


def test_register_with_a_blank_name_is_422(api: httpx.Client) -> None:
    response = api.post("/api/auth/register", json=registration(name="   "))
    assert_error(response, 422, "invalid_name")


def test_login_answers_a_bearer_token_that_opens_api_me(api: httpx.Client) -> None:
    user = register(api)
    response = api.post(
        "/api/auth/login", json={"email": user["email"].upper(), "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "refresh_expires_in",
    }
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    me = api.get("/api/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == user


@pytest.mark.parametrize("password", [DEFAULT_PASSWORD + "!", "", "x" * 128])
def test_login_with_a_wrong_password_is_401_invalid_credentials(
    api: httpx.Client, password: str
) -> None:
    user = register(api)
    response = api.post("/api/auth/login", json={"email": user["email"], "password": password})
    assert_error(response, 401, "invalid_credentials")


def test_login_with_an_unknown_email_answers_exactly_like_a_wrong_password(
    api: httpx.Client,
) -> None:
    user = register(api)
    unknown = api.post("/api/auth/login", json={"email": new_email(), "password": "Whatever-123"})
    wrong = api.post("/api/auth/login", json={"email": user["email"], "password": "Whatever-123"})
    assert_error(unknown, 401, "invalid_credentials")
    assert unknown.json() == wrong.json()


def test_api_me_with_an_expired_token_is_401(
    api: httpx.Client, running_stack: RunningStack
) -> None:
    user = register(api)
    token = issue_access_token(
        Caller(user_id=user["id"], role="user"),
        secret=running_stack.env["JWT_SECRET"],
        algorithm="HS256",
        ttl_seconds=60,
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    assert_error(api.get("/api/me", headers=bearer(token)), 401, "invalid_token")


def test_api_me_with_an_unsigned_alg_none_token_is_401(api: httpx.Client) -> None:
    user = register(api)
    header = b64url({"alg": "none", "typ": "JWT"})
    for token in (f"{header}.{b64url(claims_for(user['id']))}.", f"{header}.{b64url({})}."):
        assert_error(api.get("/api/me", headers=bearer(token)), 401, "invalid_token")


def test_api_me_with_a_token_signed_by_another_secret_is_401(api: httpx.Client) -> None:
    user = register(api)
    token = jwt.encode(claims_for(user["id"]), "another-secret-" + "x" * 32, algorithm="HS256")
    assert_error(api.get("/api/me", headers=bearer(token)), 401, "invalid_token")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_a_token_with_the_right_secret_but_another_algorithm_is_401(
    api: httpx.Client, running_stack: RunningStack
) -> None:
    user = register(api)
    token = jwt.encode(claims_for(user["id"]), running_stack.env["JWT_SECRET"], algorithm="HS512")
    assert_error(api.get("/api/me", headers=bearer(token)), 401, "invalid_token")


def test_a_token_whose_role_was_edited_after_signing_is_401(api: httpx.Client) -> None:
    user = register(api)
    header, _, signature = login(api, user["email"]).split(".")
    forged = f"{header}.{b64url(claims_for(user['id'], role='admin'))}.{signature}"
    assert_error(api.get("/api/users", headers=bearer(forged)), 401, "invalid_token")


def test_register_and_login_are_rate_limited_per_client_ip_with_retry_after(
    running_stack: RunningStack,
) -> None:
    with (
        running_stack.changed_for("gateway", AUTH_RATE_LIMIT_PER_MINUTE="3"),
        httpx.Client(base_url=running_stack.base_url, timeout=30.0) as client,
    ):
        client_ip = {"X-Forwarded-For": f"198.51.100.{uuid.uuid4().int % 250 + 1}"}
        credentials = {"email": new_email(), "password": "Wrong-Passw0rd"}

        def attempt_login(headers: dict[str, str]) -> httpx.Response:
            return client.post("/api/auth/login", json=credentials, headers=headers)

        assert [attempt_login(client_ip).status_code for _ in range(3)] == [401] * 3
        limited = attempt_login(client_ip)
        assert_error(limited, 429, "too_many_requests")
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        other_ip = {"X-Forwarded-For": f"203.0.113.{uuid.uuid4().int % 250 + 1}"}
        assert attempt_login(other_ip).status_code == 401
        registered = client.post("/api/auth/register", json=registration(), headers=client_ip)
        assert registered.status_code == 201, registered.text
