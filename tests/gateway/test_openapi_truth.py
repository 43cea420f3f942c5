"""The OpenAPI lists every status a route can answer; dates are real; 405 names every method."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from tests.gateway.fakes import FakeClients
from tests.gateway.helpers import a_session, assert_error

GLOBAL_STATUSES = {"400", "413", "422", "429", "502", "503"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def test_every_operation_documents_the_statuses_any_route_may_answer(app: FastAPI) -> None:
    for path, method, operation in operations(app):
        missing = GLOBAL_STATUSES - operation["responses"].keys()
        assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"


def test_every_operation_that_takes_a_token_documents_401(app: FastAPI) -> None:
    for path, method, operation in operations(app):
        if operation.get("security"):
            assert "401" in operation["responses"], f"{method.upper()} {path}"


def test_every_documented_error_has_the_error_body(app: FastAPI) -> None:
    for path, method, operation in operations(app):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, method, status)


@pytest.mark.parametrize(
    "day", ["0", "1", "1999-12-31", "2101-01-01", "2030-13-01", "20300317", "2030-3-17", "x"]
)
async def test_a_sessions_date_that_is_not_a_sane_calendar_day_is_422(
    api: httpx.AsyncClient, services: FakeClients, day: str
) -> None:
    assert_error(await api.get("/api/sessions", params={"date": day}), 422, "validation_error")
    assert not services.cinema.calls


@pytest.mark.parametrize("day", ["2000-01-01", "2030-03-17", "2100-12-31"])
async def test_a_sessions_date_within_range_filters_by_that_day(
    api: httpx.AsyncClient, services: FakeClients, day: str
) -> None:
    services.cinema.replies["ListSessions"] = cinema_pb2.ListSessionsResponse(
        items=[a_session()], total=1
    )
    services.booking.replies["SummarizeSessions"] = booking_pb2.SessionSummaries()
    response = await api.get("/api/sessions", params={"date": day})
    assert response.status_code == 200, response.text
    assert services.cinema.last("ListSessions").request.date == day


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/api/movies", {"GET", "POST"}),
        ("DELETE", "/api/movies", {"GET", "POST"}),
        ("PATCH", "/api/movies/5", {"GET", "PUT", "DELETE"}),
        ("POST", "/api/movies/5", {"GET", "PUT", "DELETE"}),
        ("DELETE", "/api/bookings", {"GET", "POST"}),
        ("PUT", "/api/me/push-subscriptions", {"POST", "DELETE"}),
    ],
)
async def test_a_wrong_method_answers_405_naming_every_allowed_method(
    api: httpx.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    response = await api.request(method, path)
    assert_error(response, 405, "method_not_allowed")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed
