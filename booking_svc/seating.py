"""Session seating (hall, times, status, priced seats) from cinema_svc, cached in memory.

A hold must not call cinema_svc every time, so entries live ~60 s and are dropped at once
when a SessionChanged event names the session. Concurrent misses for one session share
one load, so a flash sale on a cold cache makes one call, not thousands.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import grpc

from booking_svc.convert import seating_from_pb
from booking_svc.domain import SessionSeating
from cinemapb.cinema.v1 import cinema_pb2, cinema_pb2_grpc
from svckit.errors import ServiceError

TTL_SECONDS = 60.0
MISSING_TTL_SECONDS = 5.0
LOAD_TIMEOUT_SECONDS = 5.0
PRUNE_AT = 4096


class Unavailable(ServiceError):
    """A service this one depends on did not answer."""

    status = grpc.StatusCode.UNAVAILABLE
    default_code = "service_unavailable"


class SeatingProvider(Protocol):
    async def load(self, session_id: int) -> SessionSeating | None:
        """The session's seating, or None when no such session exists."""


class CinemaSeatingProvider:
    """Loads seating with CinemaService.GetSessionSeating."""

    def __init__(self, stub: cinema_pb2_grpc.CinemaServiceAsyncStub) -> None:
        self.stub = stub

    async def load(self, session_id: int) -> SessionSeating | None:
        request = cinema_pb2.GetSessionSeatingRequest(session_id=session_id)
        try:
            reply = await self.stub.GetSessionSeating(request, timeout=LOAD_TIMEOUT_SECONDS)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise Unavailable("cinema_svc did not answer; try again shortly") from error
        return seating_from_pb(reply)


@dataclass
class _Entry:
    seating: SessionSeating | None
    expires: float


class SeatingCache:
    """session id -> seating, loaded on a miss, expiring after `ttl`, dropped by invalidate()."""

    def __init__(
        self,
        provider: SeatingProvider,
        *,
        ttl: float = TTL_SECONDS,
        missing_ttl: float = MISSING_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.ttl = ttl
        self.missing_ttl = missing_ttl
        self.clock = clock
        self._entries: dict[int, _Entry] = {}
        self._loading: dict[int, asyncio.Future[SessionSeating | None]] = {}

    async def get(self, session_id: int) -> SessionSeating | None:
        entry = self._entries.get(session_id)
        if entry is not None and entry.expires > self.clock():
            return entry.seating
        pending = self._loading.get(session_id)
        if pending is None:
            pending = asyncio.ensure_future(self.provider.load(session_id))
            self._loading[session_id] = pending
            pending.add_done_callback(functools.partial(self._loaded, session_id))
        return await asyncio.shield(pending)

    def _loaded(self, session_id: int, load: asyncio.Future[SessionSeating | None]) -> None:
        if self._loading.get(session_id) is not load:
            return
        del self._loading[session_id]
        if load.cancelled() or load.exception() is not None:
            return
        seating = load.result()
        now = self.clock()
        if len(self._entries) >= PRUNE_AT:
            self._entries = {k: e for k, e in self._entries.items() if e.expires > now}
        ttl = self.ttl if seating is not None else self.missing_ttl
        self._entries[session_id] = _Entry(seating, now + ttl)

    def invalidate(self, session_id: int) -> None:
        """Forgets the session; a load already under way is not stored."""
        self._entries.pop(session_id, None)
        self._loading.pop(session_id, None)
