"""Read-through cache for hot catalogue reads, shared by every gateway replica through Redis.

Each namespace has a version number in Redis; cached entries are stored under the version
current when they were read. A write bumps the version of every namespace it affects, so
every replica stops serving the old entries at once; old entries simply age out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

TTL_SECONDS = 300
CATALOGUE_NAMESPACES = ("movies", "halls", "sessions", "aggregate")
STALE_AFTER_MOVIE_WRITE = ("movies", "aggregate")
"""What a genre or movie write makes stale: movies embed genres, session aggregates movies."""
STALE_AFTER_SCHEDULE_WRITE = ("sessions", "aggregate", "halls")
"""What a hall, seat or session write makes stale."""


class CatalogueCache:
    def __init__(self, redis: Redis, *, ttl_seconds: int = TTL_SECONDS) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    async def get_or_load(
        self, namespace: str, key: str, load: Callable[[], Awaitable[Any]]
    ) -> Any:
        """The cached JSON value, or load() stored for later; Redis trouble just skips the cache."""
        try:
            version = await self.redis.get(f"cache:{namespace}:version")
            entry_key = f"cache:{namespace}:{int(version or 0)}:{key}"
            cached = await self.redis.get(entry_key)
        except RedisError:
            log.warning("cache unavailable; reading through", exc_info=True)
            return await load()
        if cached is not None:
            return json.loads(cached)
        value = await load()
        try:
            await self.redis.set(entry_key, json.dumps(value), ex=self.ttl_seconds)
        except RedisError:
            log.warning("cache unavailable; not stored", exc_info=True)
        return value

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        """Makes every replica miss on these namespaces from now on.

        If Redis is unreachable the write has still happened; entries cached before the
        outage may then be served until their TTL ends, which is logged as an error.
        """
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for namespace in namespaces:
                    pipe.incr(f"cache:{namespace}:version")
                await pipe.execute()
        except RedisError:
            log.error("cache invalidation failed for %s", list(namespaces), exc_info=True)
