"""The FastAPI application: lifespan with service clients, request ids, errors, and routes."""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response
from redis.asyncio import Redis

from gateway import routes
from gateway.cache import CatalogueCache
from gateway.clients import ServiceClients
from gateway.errors import install_error_handlers
from gateway.live.feed import live_feed
from gateway.schemas import ErrorBody
from gateway.settings import GatewaySettings
from svckit.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"


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

    @app.middleware("http")
    async def assign_request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if 0 < len(incoming) <= 64 else uuid.uuid4().hex
        request.state.request_id = request_id
        request_id_var.set(request_id)
        response = await call_next(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    for router in discover_routers():
        app.include_router(router)
    return app
