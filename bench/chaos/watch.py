"""A live watcher of one session: applies the feed as the page does, reconnecting when cut."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from bench.chaos.history import SeatMapView, WatcherLog

RECONNECT_SECONDS = 0.5
OPEN_TIMEOUT_SECONDS = 10.0


async def watch(base_url: str, log: WatcherLog) -> None:
    """Follows the session's feed until cancelled; `log.view` is the map as last known."""
    url = base_url.replace("http://", "ws://", 1) + f"/api/sessions/{log.session_id}/live"
    while True:
        try:
            async with connect(url, open_timeout=OPEN_TIMEOUT_SECONDS, max_queue=None) as ws:
                log.connects += 1
                async for raw in ws:
                    apply(log, json.loads(raw))
                log.closes.append(f"closed {ws.close_code}")
        except (OSError, TimeoutError, WebSocketException) as error:
            log.closes.append(type(error).__name__)
        await asyncio.sleep(RECONNECT_SECONDS)


def apply(log: WatcherLog, message: dict[str, Any]) -> None:
    """A snapshot replaces the map; a change applies only when newer than the map."""
    if message["type"] == "snapshot":
        seats = {int(seat["seat_id"]): str(seat["status"]) for seat in message["seats"]}
        log.view = SeatMapView(int(message["version"]), seats)
        log.snapshots += 1
    elif message["type"] == "change" and log.view is not None:
        if int(message["version"]) <= log.view.version:
            return
        for seat in message["seat_ids"]:
            log.view.seats[int(seat)] = str(message["status"])
        log.view.version = int(message["version"])
        log.changes += 1
