"""A body that is not JSON is 422 invalid_json saying where it breaks, not naming a field."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.gateway.helpers import assert_error

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("content", "line", "column"),
    [
        (b'{"session_id": 1,', 1, 18),
        (b'{\n  "session_id": 1,\n  "seats_id": [5, 6,]\n}', 3, 21),
        (b"not json", 1, 1),
        (b'{"session_id": 1}}', 1, 18),
    ],
)
async def test_malformed_json_says_line_and_column_and_names_no_field(
    api: httpx.AsyncClient, user: dict[str, str], content: bytes, line: int, column: int
) -> None:
    response = await api.post("/api/bookings", content=content, headers=user | JSON)

    assert_error(response, 422, "invalid_json")
    body = response.json()
    assert f"line {line}, column {column}" in body["error"]
    assert (body["line"], body["column"]) == (line, column)
    assert "field" not in body
    assert "fields" not in body


async def test_well_formed_json_of_the_wrong_shape_is_still_a_validation_error(
    api: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await api.post("/api/bookings", content=b'{"session_id": "x"}', headers=user | JSON)

    assert_error(response, 422, "validation_error")
    assert response.json()["fields"][0]["field"] == "session_id"


def test_the_openapi_documents_invalid_json(app: FastAPI) -> None:
    genres = app.openapi()["paths"]["/api/genres"]["get"]
    assert "invalid_json" in genres["responses"]["422"]["description"]
