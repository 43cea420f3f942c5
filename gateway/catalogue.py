"""Catalogue reads through the cache that more than one route answers with."""

from __future__ import annotations

from typing import Any

from cinemapb.cinema.v1 import cinema_pb2
from gateway.cache import CatalogueCache
from gateway.clients import ServiceClients
from gateway.convert import hall_out
from gateway.deps import Metadata


async def load_hall(
    hall_id: int, clients: ServiceClients, cache: CatalogueCache, metadata: Metadata
) -> dict[str, Any]:
    """The hall with its seats as JSON, through the cache."""

    async def load() -> dict[str, Any]:
        hall = await clients.cinema.GetHall(
            cinema_pb2.GetHallRequest(id=hall_id), metadata=metadata
        )
        return hall_out(hall).model_dump(mode="json")

    cached: dict[str, Any] = await cache.get_or_load("halls", f"hall:{hall_id}", load)
    return cached
