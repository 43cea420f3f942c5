"""Wiring of the live feed: snapshots from booking_svc, the hub, the seat-map store, and the
event consumer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc

from cinemapb.booking.v1 import booking_pb2
from gateway.clients import ServiceClients
from gateway.live.consumer import BookingEventFeed
from gateway.live.hub import LiveHub, SessionNotFound, SnapshotLoader, Snapshots
from gateway.live.protocol import Snapshot, snapshot
from gateway.live.seatmaps import SeatMapStore
from svckit.settings import KafkaSettings
from svckit.tasks import background

log = logging.getLogger(__name__)

SNAPSHOT_TIMEOUT_SECONDS = 10.0
START_TIMEOUT_SECONDS = 10.0
"""How long start-up waits for the consumer; watchers that come earlier wait for it too."""


def snapshot_loader(clients: ServiceClients) -> SnapshotLoader:
    """Loads a session's seat map from booking_svc as a snapshot message."""

    async def load(session_id: int) -> Snapshot:
        try:
            reply = await clients.booking.GetSeatMap(
                booking_pb2.GetSeatMapRequest(session_id=session_id),
                timeout=SNAPSHOT_TIMEOUT_SECONDS,
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                raise SessionNotFound(session_id) from error
            raise
        return snapshot(reply)

    return load


@asynccontextmanager
async def live_feed(
    settings: KafkaSettings, clients: ServiceClients
) -> AsyncIterator[tuple[LiveHub, SeatMapStore]]:
    """The hub and the seat-map store, fed by the booking topics for the block; waits (a while)
    until the feed is positioned. Both load seat maps through one coalescing `Snapshots`.

    When the block ends (the gateway stops), every feed still open ends with 1012, telling its
    page to reconnect. uvicorn closes open WebSockets with 1012 itself on SIGTERM, before the
    application's shutdown; this covers the feeds it leaves and any other server.
    """
    snapshots = Snapshots(snapshot_loader(clients))
    hub = LiveHub(snapshots)
    seat_maps = SeatMapStore(snapshots, hub.live)
    consumer = BookingEventFeed(hub, settings, seat_maps)
    async with background({"live-feed": consumer.run}):
        try:
            await asyncio.wait_for(hub.live.wait(), START_TIMEOUT_SECONDS)
        except TimeoutError:
            log.warning("live feed not positioned after %.0fs; still trying", START_TIMEOUT_SECONDS)
        try:
            yield hub, seat_maps
        finally:
            hub.close_all()
