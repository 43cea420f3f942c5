"""The gateway app in this process with fake services: no lifespan, no Redis, no Kafka."""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import grpc
import httpx
import pytest
from fastapi import FastAPI
from starlette.datastructures import State

from gateway.app import create_app
from gateway.clients import ServiceClients
from gateway.live.feed import snapshot_loader
from gateway.live.hub import Snapshots
from gateway.live.seatmaps import SeatMapStore
from gateway.live.slots import ConnectionSlots
from gateway.ratelimit import Limiter
from gateway.revocation import TokenVersions, Version
from gateway.settings import GatewaySettings
from svckit.identity import Caller
from svckit.tokens import issue_access_token
from tests.gateway.fakes import FakeCache, FakeClients, UnreachableRedis, failed_call

JWT_SECRET = "in-process-tests-secret-0123456789abcdef"
USER_ID, ADMIN_ID = 7, 1


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(jwt_secret=JWT_SECRET)


@pytest.fixture
def services() -> FakeClients:
    return FakeClients()


@pytest.fixture
def cache() -> FakeCache:
    return FakeCache()


class KnownVersions(dict[int, Version]):
    """user_svc's token versions as the fake knows them: version 0 for anyone not listed."""

    lookups = 0
    down = False

    async def lookup(self, user_id: int) -> Version:
        self.lookups += 1
        if self.down:
            raise failed_call(grpc.StatusCode.UNAVAILABLE, "user_svc is down")
        return self.get(user_id, Version(0))


@pytest.fixture
def known_versions() -> KnownVersions:
    return KnownVersions()


@pytest.fixture
def token_versions(known_versions: KnownVersions) -> TokenVersions:
    return TokenVersions(known_versions.lookup)


@pytest.fixture
def feed_live() -> asyncio.Event:
    """Whether the (absent) live feed counts as consuming: set, so seat maps are kept."""
    live = asyncio.Event()
    live.set()
    return live


@pytest.fixture
def seat_maps(services: FakeClients, feed_live: asyncio.Event) -> SeatMapStore:
    """The seat-map store, loading from the fake booking_svc; no feed keeps it current."""
    loader = snapshot_loader(cast(ServiceClients, services))
    return SeatMapStore(Snapshots(loader), feed_live)


_APPS: dict[bytes, FastAPI] = {}


def shared_app(settings: GatewaySettings) -> FastAPI:
    """One app per distinct settings for the whole run, its state as create_app sets it.

    FastAPI builds an app's route contexts on its first request (~0.25 s); with an app of its
    own per test that was most of this folder's time. A test's changes to the state and its
    dependency overrides are undone by the `app` fixture.
    """
    key = pickle.dumps(settings.model_dump())
    if key not in _APPS:
        _APPS[key] = create_app(settings)
    app = _APPS[key]
    app.state = State({"live_slots": ConnectionSlots(settings.live_max_connections_per_client)})
    return app


@pytest.fixture
def app(
    settings: GatewaySettings,
    services: FakeClients,
    cache: FakeCache,
    token_versions: TokenVersions,
    seat_maps: SeatMapStore,
) -> Iterator[FastAPI]:
    """The app with what its lifespan would set up, faked (the lifespan itself never runs)."""
    app = shared_app(settings)
    app.state.settings = settings
    app.state.clients = services
    app.state.cache = cache
    app.state.limiter = Limiter(UnreachableRedis())  # type: ignore[arg-type]
    app.state.token_versions = token_versions
    app.state.seat_maps = seat_maps
    yield app
    app.dependency_overrides.clear()


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app in this process; the app's lifespan does not run."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


def token_for(settings: GatewaySettings, caller: Caller) -> str:
    return issue_access_token(
        caller,
        secret=settings.jwt_secret.get_secret_value(),
        algorithm=settings.jwt_algorithm,
        ttl_seconds=600,
    )


@pytest.fixture
def user(settings: GatewaySettings) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(settings, Caller(USER_ID, 'user'))}"}


@pytest.fixture
def admin(settings: GatewaySettings) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(settings, Caller(ADMIN_ID, 'admin'))}"}


@pytest.fixture
async def app_with_many_addresses(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app whose every request comes from another client address."""
    counter = iter(range(1, 1_000_000))

    async def another_address(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope["client"] = (f"198.51.100.{next(counter) % 250 + 1}", 40000)
        await app(scope, receive, send)

    transport = httpx.ASGITransport(app=another_address, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client
