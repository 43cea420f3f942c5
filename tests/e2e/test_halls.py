"""Halls and seats through the gateway: shapes, admin rights, every error, fresh reads."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from tests.helpers import admin_token, bearer, new_user_token


@pytest.fixture
def admin(api: httpx.Client) -> dict[str, str]:
    return bearer(admin_token(api))


@pytest.fixture
def user(api: httpx.Client) -> dict[str, str]:
    return bearer(new_user_token(api))


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["code"], str)
    if code is not None:
        assert body["code"] == code, body


def create_hall(api: httpx.Client, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    """A hall under a number no other test uses (hall numbers are shared by the whole run)."""
    for _ in range(20):
        number = random.randint(1000, 9999)
        response = api.post("/api/halls", json={"number": number} | body, headers=admin)
        if response.status_code != 409:
            break
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_an_admin_lays_out_a_hall_and_anyone_sees_it_with_its_seats(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    hall = create_hall(api, admin, name="Blue Hall", rows=2, seats_per_row=3)
    assert set(hall) == {"id", "number", "name", "seats"}
    assert hall["name"] == "Blue Hall"
    assert [(s["row"], s["number"], s["type"]) for s in hall["seats"]] == [
        (row, n, "standard") for row in (1, 2) for n in (1, 2, 3)
    ]
    assert set(hall["seats"][0]) == {"id", "row", "number", "type"}
    fetched = api.get(f"/api/halls/{hall['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == hall


def test_a_hall_without_layout_or_name_starts_empty(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    hall = create_hall(api, admin)
    assert (hall["name"], hall["seats"]) == ("", [])


def test_halls_are_listed_in_pages(api: httpx.Client, admin: dict[str, str]) -> None:
    create_hall(api, admin)
    create_hall(api, admin)
    response = api.get("/api/halls", params={"page": 1, "page_size": 1})
    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["page_size"]) == (1, 1)
    assert len(body["items"]) == 1
    assert body["total"] >= 2
    everything = api.get("/api/halls", params={"page_size": 100}).json()
    numbers = [h["number"] for h in everything["items"]]
    assert numbers == sorted(numbers)


def test_writes_are_visible_on_the_next_read(api: httpx.Client, admin: dict[str, str]) -> None:
    hall = create_hall(api, admin, rows=1, seats_per_row=1)
    path = f"/api/halls/{hall['id']}"
    assert len(api.get(path).json()["seats"]) == 1
    listed = api.get("/api/halls", params={"page_size": 100}).json()

    seat = api.post(f"{path}/seats", json={"row": 2, "number": 1, "type": "vip"}, headers=admin)
    assert seat.status_code == 201, seat.text
    assert seat.json() | {"id": 0} == {
        "id": 0,
        "hall_id": hall["id"],
        "row": 2,
        "number": 1,
        "type": "vip",
    }
    assert [s["type"] for s in api.get(path).json()["seats"]] == ["standard", "vip"]

    renamed = api.put(path, json={"number": hall["number"], "name": "Gold"}, headers=admin)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Gold"
    assert api.get(path).json()["name"] == "Gold"

    moved = api.put(
        f"/api/seats/{seat.json()['id']}",
        json={"row": 3, "number": 4, "type": "wheelchair"},
        headers=admin,
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["row"], moved.json()["type"]) == (3, "wheelchair")
    assert api.get(path).json()["seats"][1]["row"] == 3

    deleted = api.delete(f"/api/seats/{seat.json()['id']}", headers=admin)
    assert deleted.status_code == 204
    assert len(api.get(path).json()["seats"]) == 1

    assert api.delete(path, headers=admin).status_code == 204
    assert_error(api.get(path), 404, "hall_not_found")
    after = api.get("/api/halls", params={"page_size": 100}).json()
    assert after["total"] == listed["total"] - 1


def test_hall_and_seat_writes_need_a_token_and_the_admin_role(
    api: httpx.Client, admin: dict[str, str], user: dict[str, str]
) -> None:
    hall = create_hall(api, admin, rows=1, seats_per_row=1)
    seat_id = hall["seats"][0]["id"]
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/api/halls", {"number": 1}),
        ("PUT", f"/api/halls/{hall['id']}", {"number": hall["number"], "name": "x"}),
        ("DELETE", f"/api/halls/{hall['id']}", None),
        ("POST", f"/api/halls/{hall['id']}/seats", {"row": 5, "number": 5}),
        ("PUT", f"/api/seats/{seat_id}", {"row": 5, "number": 5}),
        ("DELETE", f"/api/seats/{seat_id}", None),
    ]
    for method, path, body in writes:
        assert_error(api.request(method, path, json=body), 401, "unauthenticated")
        bad_token = {"Authorization": "Bearer not-a-token"}
        assert_error(api.request(method, path, json=body, headers=bad_token), 401)
        assert_error(api.request(method, path, json=body, headers=user), 403, "forbidden")
    assert api.get(f"/api/halls/{hall['id']}").json() == hall


def test_unknown_halls_and_seats_are_404(api: httpx.Client, admin: dict[str, str]) -> None:
    missing = 2**62
    assert_error(api.get(f"/api/halls/{missing}"), 404, "hall_not_found")
    assert_error(
        api.put(f"/api/halls/{missing}", json={"number": 1}, headers=admin), 404, "hall_not_found"
    )
    assert_error(api.delete(f"/api/halls/{missing}", headers=admin), 404, "hall_not_found")
    assert_error(
        api.post(f"/api/halls/{missing}/seats", json={"row": 1, "number": 1}, headers=admin),
        404,
        "hall_not_found",
    )
    assert_error(
        api.put(f"/api/seats/{missing}", json={"row": 1, "number": 1}, headers=admin),
        404,
        "seat_not_found",
    )
    assert_error(api.delete(f"/api/seats/{missing}", headers=admin), 404, "seat_not_found")


def test_taken_hall_numbers_and_seat_places_are_409(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    hall = create_hall(api, admin, rows=1, seats_per_row=2)
    other = create_hall(api, admin)
    assert_error(api.post("/api/halls", json={"number": hall["number"]}, headers=admin), 409)
    assert_error(
        api.put(f"/api/halls/{other['id']}", json={"number": hall["number"]}, headers=admin),
        409,
        "hall_exists",
    )
    seats = f"/api/halls/{hall['id']}/seats"
    assert_error(api.post(seats, json={"row": 1, "number": 2}, headers=admin), 409, "seat_exists")
    first = hall["seats"][0]["id"]
    assert_error(
        api.put(f"/api/seats/{first}", json={"row": 1, "number": 2}, headers=admin),
        409,
        "seat_exists",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"number": 5, "rows": 4},
        {"number": 5, "seats_per_row": 4},
        {"number": 5, "rows": 51, "seats_per_row": 10},
        {"number": 5, "rows": 10, "seats_per_row": 61},
        {"number": 5, "rows": 0, "seats_per_row": 0},
        {"number": 0},
        {"number": -4},
        {"number": 10**30},
        {"number": "5"},
        {"number": 5.5},
        {"number": True},
        {"number": 5, "name": "x" * 101},
        {"number": 5, "name": 7},
        {"name": "no number"},
        [],
        "hall",
    ],
)
def test_invalid_hall_bodies_are_422(api: httpx.Client, admin: dict[str, str], body: Any) -> None:
    assert_error(api.post("/api/halls", json=body, headers=admin), 422, "validation_error")


@pytest.mark.parametrize(
    "body",
    [
        {"row": 0, "number": 1},
        {"row": 1, "number": 201},
        {"row": 10**20, "number": 1},
        {"row": 1, "number": 1, "type": "balcony"},
        {"row": 1, "number": 1, "type": 2},
        {"row": "1", "number": 1},
        {"number": 1},
    ],
)
def test_invalid_seat_bodies_are_422(api: httpx.Client, admin: dict[str, str], body: Any) -> None:
    hall = create_hall(api, admin, rows=1, seats_per_row=1)
    assert_error(api.post(f"/api/halls/{hall['id']}/seats", json=body, headers=admin), 422)
    assert_error(api.put(f"/api/seats/{hall['seats'][0]['id']}", json=body, headers=admin), 422)


def test_malformed_json_bad_ids_and_bad_pages_are_4xx_with_the_error_body(
    api: httpx.Client, admin: dict[str, str]
) -> None:
    json_headers = admin | {"Content-Type": "application/json"}
    for raw in ['{"number": ', "not json", '{"number": 1}}', ""]:
        response = api.post("/api/halls", content=raw, headers=json_headers)
        assert_error(response, 422)
    for bad_id in ["abc", "0", "-1", str(2**63), "1e3"]:
        assert_error(api.get(f"/api/halls/{bad_id}"), 422, "validation_error")
        assert_error(api.delete(f"/api/seats/{bad_id}", headers=admin), 422, "validation_error")
    bad_pages: list[dict[str, int | str]] = [
        {"page": 0},
        {"page": -1},
        {"page_size": 101},
        {"page": "x"},
        {"page": 10**30},
    ]
    for params in bad_pages:
        assert_error(api.get("/api/halls", params=params), 422, "validation_error")
