"""Session seating (hall, times, status, priced seats) from cinema_svc, cached in memory.

A hold must not call cinema_svc every time, so entries live ~60 s and are dropped at once
when a SessionChanged event names the session. Concurrent misses for one session share
one load, so a flash sale on a cold cache makes one call, not thousands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import grpc

from booking_svc.convert import seating_from_pb
from booking_svc.domain import SessionSeating
from cinemapb.cinema.v1 import cinema_pb2, cinema_pb2_grpc
from svckit.errors import ServiceError
from svckit.ttl_cache import TtlCache

TTL_SECONDS = 60.0
MISSING_TTL_SECONDS = 5.0
LOAD_TIMEOUT_SECONDS = 5.0
MAX_ENTRIES = 4096


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
        self._cache: TtlCache[int, SessionSeating | None] = TtlCache(
            provider.load,
            ttl=lambda seating: ttl if seating is not None else missing_ttl,
            max_entries=MAX_ENTRIES,
            clock=clock,
        )

    async def get(self, session_id: int) -> SessionSeating | None:
        return await self._cache.get(session_id)

    def invalidate(self, session_id: int) -> None:
        """Forgets the session; a load already under way is not stored."""
        self._cache.invalidate(session_id)
