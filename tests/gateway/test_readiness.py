"""GET /readyz: ready when this gateway's live feed is positioned, whatever the services say."""

from __future__ import annotations

import grpc
import httpx
from fastapi import FastAPI

from gateway.live.hub import LiveHub, Snapshots
from gateway.live.protocol import Snapshot
from tests.gateway.fakes import FakeClients, failed_call


async def no_snapshot(session_id: int) -> Snapshot:
    raise AssertionError("readiness loads no seat map")


def positioned_hub(app: FastAPI, *, live: bool) -> LiveHub:
    hub = LiveHub(Snapshots(no_snapshot))
    if live:
        hub.live.set()
    app.state.live = hub
    return hub


async def test_readyz_is_200_with_every_service_down_once_the_live_feed_is_positioned(
    app: FastAPI, api: httpx.AsyncClient, services: FakeClients
) -> None:
    positioned_hub(app, live=True)
    for health in services.healths.values():
        health.replies["Check"] = failed_call(grpc.StatusCode.UNAVAILABLE)
    response = await api.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not any(health.calls for health in services.healths.values())
    assert (await api.get("/healthz")).status_code == 503


async def test_readyz_is_503_before_the_live_feed_is_positioned_and_after_it_closes(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    assert (await api.get("/readyz")).status_code == 503
    hub = positioned_hub(app, live=False)
    response = await api.get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    hub.live.set()
    assert (await api.get("/readyz")).status_code == 200
    hub.close_all()
    assert (await api.get("/readyz")).status_code == 503


def test_readyz_stays_out_of_the_public_api_description(app: FastAPI) -> None:
    assert "/readyz" not in app.openapi()["paths"]
    assert "/healthz" in app.openapi()["paths"]
