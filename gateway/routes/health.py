"""GET /healthz: every service's gRPC health, aggregated; GET /readyz: this gateway alone.

Kubernetes' readiness probe asks /readyz, so an outage behind the gateway never takes every
gateway pod out of rotation; /healthz stays for people and alerts.
"""

from __future__ import annotations

import asyncio

import grpc
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from grpc_health.v1 import health_pb2

from gateway.clients import ServiceClients
from gateway.live.hub import LiveHub

router = APIRouter(tags=["health"])


async def service_status(clients: ServiceClients, service: str, deadline: float) -> str:
    try:
        reply = await clients.health(service).Check(
            health_pb2.HealthCheckRequest(), timeout=deadline
        )
    except grpc.aio.AioRpcError as error:
        return "UNREACHABLE" if error.code() == grpc.StatusCode.UNAVAILABLE else error.code().name
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


@router.get(
    "/healthz", summary="200 when every service answers SERVING, else 503 naming who is not"
)
async def healthz(request: Request) -> JSONResponse:
    clients: ServiceClients = request.app.state.clients
    timeout: float = request.app.state.settings.health_timeout_seconds
    names = list(clients.channels)
    statuses = await asyncio.gather(*(service_status(clients, n, timeout) for n in names))
    services = dict(zip(names, statuses, strict=True))
    down = [name for name, status in services.items() if status != "SERVING"]
    if down:
        body = {
            "error": f"not serving: {', '.join(down)}",
            "code": "service_unavailable",
            "services": services,
            "down": down,
        }
        return JSONResponse(body, 503)
    return JSONResponse({"status": "ok", "services": services})


@router.get(
    "/readyz",
    summary="200 when this gateway can take traffic (its live feed is positioned), else 503",
    include_in_schema=False,
)
async def readyz(request: Request) -> JSONResponse:
    """Asks no service: answers from this process's own state only."""
    hub: LiveHub | None = getattr(request.app.state, "live", None)
    if hub is None or not hub.live.is_set():
        body = {"error": "live feed not positioned", "code": "service_unavailable"}
        return JSONResponse(body, 503)
    return JSONResponse({"status": "ok"})
