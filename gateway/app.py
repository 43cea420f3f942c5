"""The FastAPI application: lifespan with service clients, request observation, errors, routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from gateway.admission import AdmissionControl, Gates, in_flight_limits
from gateway.cache import CATALOGUE_NAMESPACES, CatalogueCache
from gateway.clients import ServiceClients
from gateway.edge import BodyLimit, SafetyHeaders
from gateway.errors import install_error_handlers
from gateway.live.feed import live_feed
from gateway.live.slots import ConnectionSlots
from gateway.metrics import ObservedRequests
from gateway.openapi import ANY_ROUTE, error_responses
from gateway.ratelimit import Limiter
from gateway.redis_client import redis_client
from gateway.revocation import TokenVersions, UserChangedFeed, user_svc_lookup
from gateway.routes import (
    audit,
    auth,
    bestseats,
    bookings,
    config,
    console,
    docs,
    door,
    genres,
    halls,
    health,
    live,
    movies,
    page,
    payments,
    push,
    reports,
    seatmap,
    sessions,
    tickets,
    users,
    waitlist,
)
from gateway.settings import GatewaySettings
from svckit.heap import freeze_startup_objects
from svckit.metrics import metrics_server
from svckit.tasks import background
from svckit.tracing import instrument_app, setup_tracing

ROUTERS = (
    seatmap.router,  # first: FastAPI tries every route before it (the hottest read)
    audit.router,
    auth.router,
    bestseats.router,
    bookings.router,
    door.router,
    docs.router,
    config.router,
    console.router,
    genres.router,
    halls.router,
    health.router,
    live.router,
    movies.router,
    page.router,
    payments.router,
    push.router,
    reports.router,
    sessions.router,
    tickets.router,
    users.router,
    waitlist.router,
)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    setup_tracing("gateway")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.clients = ServiceClients.connect(settings)
        redis = redis_client(
            settings.redis_url, max_connections=settings.gateway_redis_max_connections
        )
        app.state.cache = CatalogueCache(
            redis,
            local_ttl_seconds=settings.catalogue_local_ttl_seconds,
            local_max_entries=settings.catalogue_local_max_entries,
            ack_timeout_seconds=settings.catalogue_ack_timeout_seconds,
        )
        app.state.limiter = Limiter(redis)
        # The catalogue may have been written while no gateway ran (make run loads the demo
        # before it starts the gateway): reads cached before then are not to be trusted.
        await app.state.cache.invalidate(CATALOGUE_NAMESPACES)
        versions = TokenVersions(user_svc_lookup(app.state.clients.users))
        app.state.token_versions = versions
        try:
            with metrics_server(settings.gateway_host, settings.gateway_metrics_port):
                async with (
                    live_feed(settings, app.state.clients) as (hub, seat_maps),
                    background(
                        {
                            "revocations": UserChangedFeed(versions, settings).run,
                            "catalogue-invalidations": app.state.cache.follow_invalidations,
                        }
                    ),
                ):
                    app.state.live = hub
                    app.state.seat_maps = seat_maps
                    app.state.cache.on_invalidated(seat_maps.forget_on_schedule_write)
                    freeze_startup_objects()
                    yield
        finally:
            await app.state.clients.close()
            await redis.aclose()

    app = FastAPI(
        title="Cinema Hall",
        summary="Browse movies and showtimes, hold seats, pay, and watch the seat map live.",
        description=(
            "The live seat map (WebSocket) and the Kafka events are described in the AsyncAPI 3 "
            "document at [/asyncapi.json](/asyncapi.json)."
        ),
        version="1.0.0",
        lifespan=lifespan,
        responses=error_responses(*ANY_ROUTE),
        docs_url=None,
        redoc_url=None,
    )
    app.state.live_slots = ConnectionSlots(settings.live_max_connections_per_client)
    install_error_handlers(app)
    instrument_app(app)

    app.add_middleware(BodyLimit, max_bytes=settings.gateway_max_body_bytes)
    app.add_middleware(
        GZipMiddleware,
        minimum_size=settings.gateway_compress_min_bytes,
        compresslevel=settings.gateway_compress_level,
    )
    app.add_middleware(SafetyHeaders)
    # the seat map's fast lane: inside admission and observation, in front of the rest
    app.add_middleware(
        seatmap.SeatMapReads,
        compress_min_bytes=settings.gateway_compress_min_bytes,
        compress_level=settings.gateway_compress_level,
    )
    app.add_middleware(ObservedRequests)
    # outermost: a request shed under overload costs microseconds, not an access log line
    app.state.admission_gates = Gates(in_flight_limits(settings))
    app.add_middleware(
        AdmissionControl,
        gates=app.state.admission_gates,
        retry_after_seconds=settings.gateway_overload_retry_after_seconds,
        max_queue_seconds=settings.gateway_max_queue_ms / 1000,
    )
    for router in ROUTERS:
        app.include_router(router)
    return app
