"""Profiles and account administration through the gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.helpers import DEFAULT_PASSWORD, admin_token, bearer, login, new_email, register


def user_with_token(api: httpx.Client) -> tuple[dict[str, Any], dict[str, str]]:
    """A freshly registered user and the Authorization header for them."""
    user = register(api)
    return user, bearer(login(api, user["email"]))


def moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def test_api_me_is_the_callers_own_profile(api: httpx.Client) -> None:
    user, auth = user_with_token(api)
    response = api.get("/api/me", headers=auth)
    assert response.status_code == 200
    assert response.json() == user


def test_a_user_reads_and_updates_their_own_account(api: httpx.Client) -> None:
    user, auth = user_with_token(api)
    assert api.get(f"/api/users/{user['id']}", headers=auth).json() == user
    email = new_email("renamed")
    response = api.put(
        f"/api/users/{user['id']}",
        json={"email": email, "name": "Renamed Person", "password": "An0ther-Secret"},
        headers=auth,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["id"], updated["email"]) == (user["id"], email)
    assert updated["name"] == "Renamed Person"
    assert updated["created_at"] == user["created_at"]
    assert moment(updated["updated_at"]) >= moment(user["updated_at"])
    login(api, email, "An0ther-Secret")
    wrong = api.post("/api/auth/login", json={"email": email, "password": DEFAULT_PASSWORD})
    assert wrong.status_code == 401


def test_a_put_with_only_some_fields_keeps_the_others(api: httpx.Client) -> None:
    user, auth = user_with_token(api)
    response = api.put(f"/api/users/{user['id']}", json={"name": "Only Name"}, headers=auth)
    assert response.status_code == 200
    assert response.json() | {"updated_at": None} == user | {
        "name": "Only Name",
        "updated_at": None,
    }


def test_a_user_may_send_back_their_own_role_unchanged(api: httpx.Client) -> None:
    user, auth = user_with_token(api)
    response = api.put(f"/api/users/{user['id']}", json=user, headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "user"


def test_a_user_granting_themselves_admin_is_403_and_stays_a_user(api: httpx.Client) -> None:
    user, auth = user_with_token(api)
    response = api.put(f"/api/users/{user['id']}", json={"role": "admin"}, headers=auth)
    assert_error(response, 403, "forbidden")
    assert api.get("/api/me", headers=auth).json()["role"] == "user"
    assert api.get("/api/users", headers=bearer(login(api, user["email"]))).status_code == 403


def test_a_user_may_not_read_update_or_delete_another_account(api: httpx.Client) -> None:
    _, auth = user_with_token(api)
    other = register(api)
    path = f"/api/users/{other['id']}"
    assert_error(api.get(path, headers=auth), 403, "forbidden")
    assert_error(api.put(path, json={"name": "Hijacked"}, headers=auth), 403, "forbidden")
    assert_error(api.delete(path, headers=auth), 403, "forbidden")
    admin = bearer(admin_token(api))
    assert api.get(path, headers=admin).json() == other


def test_a_user_listing_users_is_403(api: httpx.Client) -> None:
    _, auth = user_with_token(api)
    assert_error(api.get("/api/users", headers=auth), 403, "forbidden")


def test_account_routes_without_a_token_are_401(api: httpx.Client) -> None:
    for method, path in [
        ("GET", "/api/users"),
        ("GET", "/api/users/1"),
        ("DELETE", "/api/users/1"),
    ]:
        assert_error(api.request(method, path), 401, "unauthenticated")
    assert_error(api.put("/api/users/1", json={"name": "x"}), 401, "unauthenticated")


def test_an_admin_lists_users_a_page_at_a_time(api: httpx.Client) -> None:
    for _ in range(3):
        register(api)
    admin = bearer(admin_token(api))
    first = api.get("/api/users", params={"page": 1, "page_size": 2}, headers=admin)
    second = api.get("/api/users", params={"page": 2, "page_size": 2}, headers=admin)
    assert first.status_code == second.status_code == 200
    one, two = first.json(), second.json()
    assert (one["page"], one["page_size"], two["page"]) == (1, 2, 2)
    assert one["total"] == two["total"] >= 4
    ids = [user["id"] for user in one["items"] + two["items"]]
    assert len(ids) == 4
    assert ids == sorted(set(ids))
    assert all("password" not in key for user in one["items"] for key in user)
    everyone = api.get("/api/users", params={"page_size": 100}, headers=admin).json()
    assert "admin" in {user["role"] for user in everyone["items"]}


def test_an_admin_promotes_a_user_whose_next_token_is_admin(api: httpx.Client) -> None:
    user, _ = user_with_token(api)
    admin = bearer(admin_token(api))
    response = api.put(f"/api/users/{user['id']}", json={"role": "admin"}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "admin"
    promoted = bearer(login(api, user["email"]))
    assert api.get("/api/users", headers=promoted).status_code == 200


def test_an_update_to_a_taken_email_is_409(api: httpx.Client) -> None:
    user, auth = user_with_token(api)
    other = register(api)
    response = api.put(
        f"/api/users/{user['id']}", json={"email": other["email"].upper()}, headers=auth
    )
    assert_error(response, 409, "email_taken")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"role": "superuser"}, "validation_error"),
        ({"name": ""}, "validation_error"),
        ({"email": "x" * 300}, "validation_error"),
        ({"email": "not-an-email"}, "invalid_email"),
        ({"password": "weakpass"}, "weak_password"),
    ],
)
def test_an_invalid_update_is_422(api: httpx.Client, body: dict[str, Any], code: str) -> None:
    user, auth = user_with_token(api)
    assert_error(api.put(f"/api/users/{user['id']}", json=body, headers=auth), 422, code)


def test_an_admin_deletes_a_user_with_204_then_it_is_404(api: httpx.Client) -> None:
    user = register(api)
    admin = bearer(admin_token(api))
    path = f"/api/users/{user['id']}"
    deleted = api.delete(path, headers=admin)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_error(api.get(path, headers=admin), 404, "user_not_found")
    assert_error(api.delete(path, headers=admin), 404, "user_not_found")
    gone = api.post("/api/auth/login", json={"email": user["email"], "password": DEFAULT_PASSWORD})
    assert_error(gone, 401, "invalid_credentials")


def test_unknown_users_are_404_for_an_admin(api: httpx.Client) -> None:
    admin = bearer(admin_token(api))
    path = "/api/users/987654321"
    assert_error(api.get(path, headers=admin), 404, "user_not_found")
    assert_error(api.put(path, json={"name": "Nobody"}, headers=admin), 404, "user_not_found")
