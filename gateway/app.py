"""The FastAPI application: lifespan with service clients, request observation, errors, routes."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from redis.asyncio import Redis

from gateway import routes
from gateway.cache import CatalogueCache
from gateway.clients import ServiceClients
from gateway.errors import install_error_handlers
from gateway.live.feed import live_feed
from gateway.metrics import ObservedRequests, metrics
from gateway.schemas import ErrorBody
from gateway.settings import GatewaySettings
from svckit.heap import freeze_startup_objects


def discover_routers() -> list[APIRouter]:
    """Every module in gateway.routes that defines `router`, in name order."""
    found = []
    for module_info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes.__name__}.{module_info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.clients = ServiceClients.connect(settings)
        redis = Redis.from_url(settings.redis_url, socket_timeout=1.0)
        app.state.cache = CatalogueCache(redis)
        try:
            async with live_feed(settings, app.state.clients) as hub:
                app.state.live = hub
                freeze_startup_objects()
                yield
        finally:
            await app.state.clients.close()
            await redis.aclose()

    app = FastAPI(
        title="Cinema Hall",
        summary="Browse movies and showtimes, hold seats, pay, and watch the seat map live.",
        version="1.0.0",
        lifespan=lifespan,
        responses={
            422: {"model": ErrorBody, "description": "Invalid input"},
            503: {"model": ErrorBody, "description": "A service is down"},
        },
    )
    install_error_handlers(app)

    app.add_middleware(ObservedRequests)
    app.add_route("/metrics", metrics, include_in_schema=False)
    for router in discover_routers():
        app.include_router(router)
    return app
