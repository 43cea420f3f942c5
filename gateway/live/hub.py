"""Watchers of sessions, each with a bounded inbox, and the version rules of their feeds.

Fan-out only puts a change in each watcher's inbox and never waits for a socket: every
connection sends from its own task. A watcher whose inbox is full is dropped (it is too slow
to follow; it may reconnect and start from a fresh snapshot).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import Gauge

from gateway.live.protocol import Change, CloseCode, Snapshot

log = logging.getLogger(__name__)

QUEUE_SIZE = 256
REORDER_GRACE_SECONDS = 0.1
"""How long a change that arrives ahead of a missing one waits for it before a resync.

The three booking topics are separate partitions, so one session's events can reach the
gateway slightly out of order; waiting briefly saves every watcher a full snapshot."""

RESYNC = None
"""An inbox entry that asks for a fresh snapshot (the feed may have missed events)."""

SnapshotLoader = Callable[[int], Awaitable[Snapshot]]
Close = tuple[CloseCode, str]
"""How the server ends a feed: the close code and its reason."""

TOO_SLOW: Close = (CloseCode.TRY_AGAIN_LATER, "too slow to follow the feed; reconnect")
RESTARTING: Close = (CloseCode.SERVICE_RESTART, "the gateway is restarting; reconnect")


LIVE_WATCHERS = Gauge(
    "live_watchers",
    "WebSocket watchers of the live seat map on this gateway.",
    multiprocess_mode="livesum",  # several workers (svckit/workers.py): one total per gateway
)


class SessionNotFound(Exception):
    """The session of a feed does not exist."""


class Snapshots:
    """Loads seat-map snapshots, at most one request per session at a time.

    Callers that ask while a load is running share the next load, which starts after they
    asked, so every caller gets a snapshot at least as new as the moment it asked.
    """

    def __init__(self, load: SnapshotLoader) -> None:
        self._load = load
        self._running: dict[int, asyncio.Task[Snapshot]] = {}
        self._next: dict[int, asyncio.Task[Snapshot]] = {}

    async def get(self, session_id: int) -> Snapshot:
        task = self._next.get(session_id)
        if task is None:
            previous = self._running.get(session_id)
            task = asyncio.create_task(self._load_after(session_id, previous))
            task.add_done_callback(lambda done: self._settle(session_id, done))
            self._next[session_id] = task
        return await asyncio.shield(task)

    async def _load_after(
        self, session_id: int, previous: asyncio.Task[Snapshot] | None
    ) -> Snapshot:
        if previous is not None:
            await asyncio.wait([previous])
        self._running[session_id] = self._next.pop(session_id)
        try:
            return await self._load(session_id)
        finally:
            del self._running[session_id]

    def _settle(self, session_id: int, task: asyncio.Task[Snapshot]) -> None:
        """Forgets a load cancelled before it began; marks a failure as seen by someone."""
        if self._next.get(session_id) is task:
            del self._next[session_id]
        if not task.cancelled():
            task.exception()


class Watcher:
    """One connection's view of a session: its inbox and the version it has sent so far."""

    def __init__(
        self, session_id: int, snapshots: Snapshots, *, queue_size: int, reorder_grace: float
    ) -> None:
        self.session_id = session_id
        self.snapshots = snapshots
        self.reorder_grace = reorder_grace
        self.inbox: asyncio.Queue[Change | None] = asyncio.Queue(queue_size)
        self.dropped = asyncio.Event()
        self.ending: Close = TOO_SLOW
        """Why the server ended the feed, once `dropped` is set."""
        self.version = -1
        self._ahead: dict[int, Change] = {}

    def offer(self, change: Change | None) -> bool:
        """Queues a change without waiting; False (and `dropped` set) when the inbox is full."""
        try:
            self.inbox.put_nowait(change)
        except asyncio.QueueFull:
            self.drop(TOO_SLOW)
            return False
        return True

    def drop(self, ending: Close) -> None:
        """Ends the feed: the connection closes with `ending`."""
        if not self.dropped.is_set():
            self.ending = ending
            self.dropped.set()

    async def messages(self) -> AsyncGenerator[str, None]:
        """The feed: a snapshot, then changes in version order, and a snapshot after any gap."""
        yield await self._resync()
        loop = asyncio.get_running_loop()
        gap_deadline: float | None = None
        while True:
            before = self.version
            while (change := self._ahead.pop(self.version + 1, None)) is not None:
                self.version = change.version
                yield change.text
            received: Change | None
            if not self._ahead:
                gap_deadline = None
                received = await self.inbox.get()
            elif len(self._ahead) >= self.inbox.maxsize:
                received = RESYNC
            else:
                if gap_deadline is None or self.version != before:
                    gap_deadline = loop.time() + self.reorder_grace
                received = await self._next_until(gap_deadline)
            if received is None:  # RESYNC
                gap_deadline = None
                yield await self._resync()
            elif received.version > self.version:
                self._ahead[received.version] = received

    async def _next_until(self, deadline: float) -> Change | None:
        """The next inbox entry, or RESYNC when none comes before `deadline` (loop time)."""
        try:
            async with asyncio.timeout_at(deadline):
                return await self.inbox.get()
        except TimeoutError:
            return RESYNC

    async def _resync(self) -> str:
        snapshot = await self.snapshots.get(self.session_id)
        self.version = snapshot.version
        self._ahead = {v: c for v, c in self._ahead.items() if v > snapshot.version}
        return snapshot.text


class LiveHub:
    """Every watched session's watchers; changes of unwatched sessions cost nothing."""

    def __init__(
        self,
        snapshots: Snapshots,
        *,
        queue_size: int = QUEUE_SIZE,
        reorder_grace: float = REORDER_GRACE_SECONDS,
    ) -> None:
        self.snapshots = snapshots
        self.queue_size = queue_size
        self.reorder_grace = reorder_grace
        self.live = asyncio.Event()
        """Set once the event consumer is positioned, so no change after a snapshot is lost."""
        self._sessions: dict[int, set[Watcher]] = {}

    @contextmanager
    def watch(self, session_id: int) -> Iterator[Watcher]:
        """Subscribes a watcher (before its first snapshot is loaded) for the block."""
        watcher = Watcher(
            session_id,
            self.snapshots,
            queue_size=self.queue_size,
            reorder_grace=self.reorder_grace,
        )
        self._sessions.setdefault(session_id, set()).add(watcher)
        LIVE_WATCHERS.inc()
        try:
            yield watcher
        finally:
            self._forget(watcher)

    def watchers(self, session_id: int) -> int:
        return len(self._sessions.get(session_id, ()))

    def publish(self, changes: Iterable[Change]) -> None:
        """Hands each change to its session's watchers, dropping those too slow to take it."""
        for change in changes:
            watchers = self._sessions.get(change.session_id)
            if watchers:
                self._offer(list(watchers), change)

    def resync_all(self) -> None:
        """Asks every watcher to reload its snapshot (after the feed may have missed events)."""
        for watchers in list(self._sessions.values()):
            self._offer(list(watchers), RESYNC)

    def close_all(self) -> None:
        """Ends every feed with 1012 (service restart): their pages reconnect to another gateway.

        Called when the gateway is told to stop; the hub is no longer live, so a feed that
        still reaches this process waits for it or is refused.
        """
        self.live.clear()
        for watchers in list(self._sessions.values()):
            for watcher in list(watchers):
                watcher.drop(RESTARTING)
                self._forget(watcher)

    def _offer(self, watchers: list[Watcher], change: Change | None) -> None:
        for watcher in watchers:
            if not watcher.offer(change):
                log.info("dropping a watcher of session %d: too slow", watcher.session_id)
                self._forget(watcher)

    def _forget(self, watcher: Watcher) -> None:
        watchers = self._sessions.get(watcher.session_id)
        if watchers is None or watcher not in watchers:
            return
        watchers.discard(watcher)
        LIVE_WATCHERS.dec()
        if not watchers:
            del self._sessions[watcher.session_id]
