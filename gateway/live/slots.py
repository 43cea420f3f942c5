"""At most a few live connections per client address, so one client cannot hold thousands."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class ConnectionSlots:
    """Counts the open live connections of each client address against a limit."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._open: Counter[str] = Counter()

    @contextmanager
    def take(self, client: str) -> Iterator[bool]:
        """Holds one of the client's slots for the block: True, or False when it has none left."""
        if self._open[client] >= self.per_client:
            yield False
            return
        self._open[client] += 1
        try:
            yield True
        finally:
            self._open[client] -= 1
            if not self._open[client]:
                del self._open[client]

    def open(self, client: str) -> int:
        return self._open[client]
