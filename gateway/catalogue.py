"""Catalogue reads through the cache that more than one route answers with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cinemapb.cinema.v1 import cinema_pb2
from gateway.cache import CatalogueCache
from gateway.clients import ServiceClients
from gateway.convert import hall_out
from gateway.deps import Metadata


def hall_key(hall_id: int) -> str:
    return f"hall:{hall_id}"


def hall_loader(
    hall_id: int, clients: ServiceClients, metadata: Metadata
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """What reads the hall with its seats as JSON from cinema_svc."""

    async def load() -> dict[str, Any]:
        hall = await clients.cinema.GetHall(
            cinema_pb2.GetHallRequest(id=hall_id), metadata=metadata
        )
        return hall_out(hall).model_dump(mode="json")

    return load


async def load_hall(
    hall_id: int, clients: ServiceClients, cache: CatalogueCache, metadata: Metadata
) -> dict[str, Any]:
    """The hall with its seats as JSON, through the cache."""
    loader = hall_loader(hall_id, clients, metadata)
    cached: dict[str, Any] = await cache.get_or_load("halls", hall_key(hall_id), loader)
    return cached
