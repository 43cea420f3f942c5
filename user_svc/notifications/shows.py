"""Movie title, hall name and start time of a session, from cinema_svc and movie_svc.

A notification goes out with whatever of these could be found: a failed lookup is logged and
leaves its part out. Answers are kept for a minute, so a sold-out session's many
confirmations cost two calls, not two per booking. "No such session or movie" is an answer
too; only a lookup that failed otherwise (a service down, a timeout) is tried again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import NamedTuple, Protocol

import grpc

from cinemapb.cinema.v1 import cinema_pb2, cinema_pb2_grpc
from cinemapb.movie.v1 import movie_pb2, movie_pb2_grpc
from svckit.protoconv import from_timestamp
from svckit.ttl_cache import TtlCache
from user_svc.notifications.messages import Show

log = logging.getLogger(__name__)

TTL_SECONDS = 60.0
LOOKUP_TIMEOUT_SECONDS = 3.0
MAX_ENTRIES = 1024


class ShowLookup(Protocol):
    async def show(self, session_id: int) -> Show:
        """What is known about the session; never raises."""


class Found(NamedTuple):
    show: Show
    final: bool
    """Whether the answer is worth keeping: found, or known not to exist."""


class ShowDirectory:
    def __init__(
        self,
        cinema: cinema_pb2_grpc.CinemaServiceAsyncStub,
        movies: movie_pb2_grpc.MovieServiceAsyncStub,
        *,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cinema = cinema
        self.movies = movies
        self._found = TtlCache(
            self._look_up,
            ttl=lambda found: ttl if found.final else 0,
            max_entries=MAX_ENTRIES,
            clock=clock,
        )

    async def show(self, session_id: int) -> Show:
        return (await self._found.get(session_id)).show

    async def _look_up(self, session_id: int) -> Found:
        try:
            seating = await self.cinema.GetSessionSeating(
                cinema_pb2.GetSessionSeatingRequest(session_id=session_id),
                timeout=LOOKUP_TIMEOUT_SECONDS,
            )
        except grpc.aio.AioRpcError as error:
            log.warning("session %d not found in cinema_svc: %s", session_id, error.code().name)
            return Found(Show(), _is_final(error))
        session = seating.session
        hall_name = seating.hall_name or None
        starts_at = from_timestamp(session.start_time)
        try:
            movie = await self.movies.GetMovie(
                movie_pb2.GetMovieRequest(id=session.movie_id), timeout=LOOKUP_TIMEOUT_SECONDS
            )
        except grpc.aio.AioRpcError as error:
            log.warning("movie %d not found in movie_svc: %s", session.movie_id, error.code().name)
            return Found(Show(None, hall_name, starts_at), _is_final(error))
        return Found(Show(movie.title, hall_name, starts_at), final=True)


def _is_final(error: grpc.aio.AioRpcError) -> bool:
    return error.code() == grpc.StatusCode.NOT_FOUND
