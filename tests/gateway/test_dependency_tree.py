"""The routes' dependency trees stay flat: FastAPI walks a tree's every node on every request."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from svckit.tokens import verify_access_claims
from tests.gateway.fakes import FakeClients
from tests.gateway.helpers import a_booking

MOST_VISITS = 8
"""Nodes FastAPI may walk for one request: the route itself, its parameters' dependencies and
theirs. A dependency named in two places is walked in both (only its call is cached), so the
caller's dependencies take just the request and its token."""


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from api_routes(included.routes)


def visits(dependant: Dependant) -> int:
    """The nodes solve_dependencies walks for `dependant`: each once per place it is named."""
    return 1 + sum(visits(sub) for sub in dependant.dependencies)


def test_no_route_walks_more_than_a_few_dependencies(app: FastAPI) -> None:
    routes = list(api_routes(app.routes))
    assert len(routes) > 50
    walked = {
        f"{sorted(route.methods or ())} {route.path}": visits(route.dependant) for route in routes
    }
    assert {name: n for name, n in walked.items() if n > MOST_VISITS} == {}
    assert walked["['POST'] /api/bookings"] <= 7


async def test_a_hold_verifies_its_token_once(
    api: httpx.AsyncClient,
    services: FakeClients,
    user: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rate limit and the call's metadata both need the caller: they share one check."""
    verified: list[str] = []

    def counted(token: str, **kwargs: Any) -> Any:
        verified.append(token)
        return verify_access_claims(token, **kwargs)

    monkeypatch.setattr("gateway.deps.verify_access_claims", counted)
    services.booking.replies["CreateBooking"] = a_booking()
    response = await api.post(
        "/api/bookings", json={"session_id": 4, "seats_id": [11]}, headers=user
    )
    assert response.status_code == 201
    assert len(verified) == 1
