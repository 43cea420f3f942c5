"""An in-memory cache in front of an async load: entries expire, the size is bounded, and
concurrent misses for one key share one load.

A load that raises is not kept: every caller waiting on it gets the error, the next call loads
again. `invalidate` forgets a key at once, and a load of it already under way is not kept.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class _Entry(Generic[V]):
    value: V
    expires: float


class TtlCache(Generic[K, V]):
    """key -> value, loaded on a miss and kept for `ttl` seconds."""

    def __init__(
        self,
        load: Callable[[K], Awaitable[V]],
        *,
        ttl: float | Callable[[V], float],
        max_entries: int = 1024,
        share_loads: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`ttl`: seconds, or a function of the loaded value giving them (0: do not keep it).

        `max_entries`: when full, the entry written longest ago makes room. `share_loads`:
        callers missing a key that is being loaded wait for that load instead of starting one.
        """
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._load = load
        self._ttl = ttl
        self._max_entries = max_entries
        self._share_loads = share_loads
        self._clock = clock
        self._entries: dict[K, _Entry[V]] = {}
        self._loads: dict[K, asyncio.Future[V]] = {}
        """The newest load of each key; only its result is kept."""

    async def get(self, key: K) -> V:
        entry = self._entries.get(key)
        if entry is not None and entry.expires > self._clock():
            return entry.value
        load = self._loads.get(key) if self._share_loads else None
        if load is None:
            load = asyncio.ensure_future(self._load(key))
            self._loads[key] = load
            load.add_done_callback(functools.partial(self._loaded, key))
        return await asyncio.shield(load)

    def invalidate(self, key: K) -> None:
        """Forgets the key; a load of it already under way is not kept."""
        self._entries.pop(key, None)
        self._loads.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
        self._loads.clear()

    def __len__(self) -> int:
        """How many entries are held, expired ones included until they are replaced."""
        return len(self._entries)

    def _loaded(self, key: K, load: asyncio.Future[V]) -> None:
        if self._loads.get(key) is not load:
            return
        del self._loads[key]
        self._entries.pop(key, None)
        if load.cancelled() or load.exception() is not None:
            return
        value = load.result()
        ttl = self._ttl(value) if callable(self._ttl) else self._ttl
        if ttl <= 0:
            return
        if len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = _Entry(value, self._clock() + ttl)
