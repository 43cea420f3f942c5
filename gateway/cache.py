"""Read-through cache for hot catalogue reads: a level in each gateway process, then Redis.

Each namespace has a version number in Redis; cached entries are stored under the version
current when they were read. A write bumps the version of every namespace it affects, so
every replica stops serving the old Redis entries at once; old entries simply age out.

In front of Redis, each process holds recent entries itself (gateway/cache_local.py), with their
JSON bodies rendered once. A write also tells every replica over Redis pub/sub and waits for
their acknowledgements before it is answered (gateway/cache_bus.py), so no replica serves a
stale entry after a write's answer. A replica that is not listening on the channel (starting,
Redis down, reconnecting) reads through Redis as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from fastapi import Response
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.cache_bus import InvalidationBus
from gateway.cache_local import LocalEntry, LocalLevel
from gateway.cache_metrics import INVALIDATIONS_SENT, LOADS, LOCAL_HITS, REDIS_HITS
from gateway.json_views import JsonView, json_response
from svckit.outages import OutageLog

log = logging.getLogger(__name__)

TTL_SECONDS = 300
LOCAL_TTL_SECONDS = 60.0
LOCAL_MAX_ENTRIES = 2048
CATALOGUE_NAMESPACES = ("movies", "halls", "sessions", "aggregate")
STALE_AFTER_MOVIE_WRITE = ("movies", "aggregate")
"""What a genre or movie write makes stale: movies embed genres, session aggregates movies."""
STALE_AFTER_SCHEDULE_WRITE = ("sessions", "aggregate", "halls")
"""What a hall, seat or session write makes stale."""

Listener = Callable[[str], None]
"""Told the name of a namespace this process has just dropped (a write, or a resubscription)."""


class CatalogueCache:
    def __init__(
        self,
        redis: Redis,
        *,
        ttl_seconds: int = TTL_SECONDS,
        local_ttl_seconds: float = LOCAL_TTL_SECONDS,
        local_max_entries: int = LOCAL_MAX_ENTRIES,
        ack_timeout_seconds: float = 2.0,
        channel: str | None = None,
    ) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        self.local = LocalLevel(ttl_seconds=local_ttl_seconds, max_entries=local_max_entries)
        self.bus = InvalidationBus(
            redis,
            heard=self._heard,
            reset=self._reset,
            channel=channel,
            ack_timeout=ack_timeout_seconds,
        )
        self._listeners: list[Listener] = []
        self.outage = OutageLog(log, "catalogue cache unavailable: reading through")

    def on_invalidated(self, listener: Listener) -> None:
        """Calls `listener(namespace)` whenever this process drops a namespace."""
        self._listeners.append(listener)

    async def get_or_load(
        self, namespace: str, key: str, load: Callable[[], Awaitable[Any]]
    ) -> Any:
        """The cached JSON value, or load() stored for later; Redis trouble just skips the cache."""
        entry = self._local(namespace, key)
        if entry is not None:
            return entry.value
        value, _ = await self._read_through(namespace, key, load)
        return value

    async def respond(
        self, namespace: str, key: str, load: Callable[[], Awaitable[Any]], view: JsonView
    ) -> Response:
        """The cached value answered as `view` renders it (once per local entry and view)."""
        entry = self._local(namespace, key)
        if entry is None:
            value, entry = await self._read_through(namespace, key, load)
            if entry is None:
                return json_response(view.render(value).body)
        rendered = entry.views.get(view.name)
        if rendered is None or not rendered.fresh():
            rendered = entry.views[view.name] = view.render(entry.value)
        return json_response(rendered.body)

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        """Makes every replica miss on these namespaces; returns once they all heard it.

        If Redis is unreachable the write has still happened; entries cached in Redis before
        the outage may then be served until their TTL ends, which is logged as an error
        (replicas do not serve their local level while Redis is unreachable).
        """
        names = tuple(namespaces)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                for namespace in names:
                    pipe.incr(f"cache:{namespace}:version")
                versions = dict(zip(names, map(int, await pipe.execute()), strict=True))
        except RedisError:
            log.error("cache invalidation failed for %s", list(names), exc_info=True)
            self._heard(dict.fromkeys(names, None))
            return
        self._heard(versions)
        for namespace in names:
            INVALIDATIONS_SENT.labels(namespace).inc()
        try:
            await self.bus.publish(versions)
        except RedisError:
            log.error("cache invalidation of %s not told to replicas", names, exc_info=True)

    async def follow_invalidations(self) -> None:
        """Listens for other replicas' writes until cancelled; raises if the connection fails."""
        await self.bus.run()

    def _local(self, namespace: str, key: str) -> LocalEntry | None:
        if not self.bus.listening:
            return None
        entry = self.local.get(namespace, key)
        if entry is not None:
            LOCAL_HITS.labels(namespace).inc()
        return entry

    async def _read_through(
        self, namespace: str, key: str, load: Callable[[], Awaitable[Any]]
    ) -> tuple[Any, LocalEntry | None]:
        """The value from Redis or load(), and its local entry if it could be kept."""
        generation = self.local.generation
        try:
            version = int(await self.redis.get(f"cache:{namespace}:version") or 0)
            entry_key = f"cache:{namespace}:{version}:{key}"
            cached = await self.redis.get(entry_key)
        except RedisError:
            self.outage.failed()
            LOADS.labels(namespace).inc()
            return await load(), None
        if cached is not None:
            REDIS_HITS.labels(namespace).inc()
            value = json.loads(cached)
            self.outage.succeeded()
        else:
            LOADS.labels(namespace).inc()
            value = await load()
            try:
                await self.redis.set(entry_key, json.dumps(value), ex=self.ttl_seconds)
            except RedisError:
                self.outage.failed()
            else:
                self.outage.succeeded()
        if not self.bus.listening:
            return value, None
        return value, self.local.store(namespace, version, key, value, generation=generation)

    def _heard(self, versions: Mapping[str, int | None]) -> None:
        for namespace, version in versions.items():
            self.local.drop(namespace, version)
        self._tell(versions)

    def _reset(self) -> None:
        self.local.clear()
        self._tell(CATALOGUE_NAMESPACES)

    def _tell(self, namespaces: Iterable[str]) -> None:
        for namespace in namespaces:
            for listener in self._listeners:
                try:
                    listener(namespace)
                except Exception:
                    log.exception("cache listener failed on %s", namespace)
