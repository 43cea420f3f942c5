"""The gateway process's own level of the catalogue cache, in front of Redis.

Entries are held per (namespace, namespace version, key), bounded in number (the least
recently read makes room) and in age. Each entry keeps the JSON bodies rendered from its value,
one per view, so a hit costs neither Redis nor pydantic. Dropping a namespace (a write was
heard of) or clearing everything also voids every load under way: a load only stores its value
if nothing was dropped since it began (`generation`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rendered:
    """A response body and the wall-clock second (time.time) after which it must be rendered
    again (a session's status follows the clock); None: as long as the entry lives."""

    body: bytes
    fresh_until: float | None

    def fresh(self) -> bool:
        return self.fresh_until is None or time.time() < self.fresh_until


@dataclass
class LocalEntry:
    value: Any
    expires: float
    views: dict[str, Rendered] = field(default_factory=dict)


class LocalLevel:
    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[tuple[str, int, str], LocalEntry] = OrderedDict()
        self._versions: dict[str, int] = {}
        """The version of each namespace that local reads are of."""
        self.generation = 0
        """Bumped by every drop and clear: a load that began before one is not stored."""

    def get(self, namespace: str, key: str) -> LocalEntry | None:
        version = self._versions.get(namespace)
        if version is None:
            return None
        entry_key = (namespace, version, key)
        entry = self._entries.get(entry_key)
        if entry is None:
            return None
        if entry.expires <= self._clock():
            del self._entries[entry_key]
            return None
        self._entries.move_to_end(entry_key)
        return entry

    def store(
        self, namespace: str, version: int, key: str, value: Any, *, generation: int
    ) -> LocalEntry | None:
        """Keeps the value read at `version`, unless something was dropped since `generation`."""
        if generation != self.generation:
            return None
        if self._versions.get(namespace) != version:
            self._forget(namespace)
            self._versions[namespace] = version
        entry = LocalEntry(value, self._clock() + self.ttl_seconds)
        entry_key = (namespace, version, key)
        self._entries[entry_key] = entry
        self._entries.move_to_end(entry_key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return entry

    def drop(self, namespace: str, version: int | None = None) -> None:
        """Forgets the namespace's entries; later reads are of `version` (None: unknown yet)."""
        self.generation += 1
        self._forget(namespace)
        if version is None:
            self._versions.pop(namespace, None)
        else:
            self._versions[namespace] = version

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()
        self._versions.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def _forget(self, namespace: str) -> None:
        for entry_key in [k for k in self._entries if k[0] == namespace]:
            del self._entries[entry_key]
