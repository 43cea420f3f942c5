"""Show details for notifications: answers are kept a while, "not found" included."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc

from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.movie.v1 import movie_pb2
from svckit.protoconv import to_timestamp
from tests.helpers import ManualClock
from user_svc.notifications.messages import Show
from user_svc.notifications.shows import ShowDirectory

STARTS = datetime(2026, 12, 24, 19, 30, tzinfo=UTC)


def rpc_error(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), "test", None)


class FakeCinema:
    """Session 1 exists; any other is unknown, or the service is down while `down`."""

    def __init__(self) -> None:
        self.calls = 0
        self.down = False

    async def GetSessionSeating(
        self, request: cinema_pb2.GetSessionSeatingRequest, **_: Any
    ) -> cinema_pb2.SessionSeating:
        self.calls += 1
        if self.down:
            raise rpc_error(grpc.StatusCode.UNAVAILABLE)
        if request.session_id != 1:
            raise rpc_error(grpc.StatusCode.NOT_FOUND)
        session = cinema_pb2.Session(id=1, movie_id=5, start_time=to_timestamp(STARTS))
        return cinema_pb2.SessionSeating(session=session, hall_name="Blue")


class FakeMovies:
    async def GetMovie(self, request: movie_pb2.GetMovieRequest, **_: Any) -> movie_pb2.Movie:
        return movie_pb2.Movie(id=request.id, title="Dune")


def directory(cinema: FakeCinema, clock: ManualClock) -> ShowDirectory:
    return ShowDirectory(cinema, FakeMovies(), ttl=60.0, clock=clock)  # type: ignore[arg-type]


async def test_a_found_show_is_kept_for_the_ttl() -> None:
    cinema, clock = FakeCinema(), ManualClock(now=0.0)
    shows = directory(cinema, clock)
    assert await shows.show(1) == Show("Dune", "Blue", STARTS)
    assert await shows.show(1) == Show("Dune", "Blue", STARTS)
    assert cinema.calls == 1
    clock.now = 61.0
    await shows.show(1)
    assert cinema.calls == 2


async def test_an_unknown_session_is_not_asked_for_again_within_the_ttl() -> None:
    cinema, clock = FakeCinema(), ManualClock(now=0.0)
    shows = directory(cinema, clock)
    for _ in range(3):
        assert await shows.show(9) == Show()
    assert cinema.calls == 1


async def test_a_lookup_that_failed_for_a_passing_reason_is_tried_again() -> None:
    cinema, clock = FakeCinema(), ManualClock(now=0.0)
    shows = directory(cinema, clock)
    cinema.down = True
    assert await shows.show(1) == Show()
    cinema.down = False
    assert await shows.show(1) == Show("Dune", "Blue", STARTS)
    assert cinema.calls == 2
