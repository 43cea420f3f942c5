"""The demo catalogue loads into an empty system once, through the real services.

It runs against a movie_svc and cinema_svc of its own (fresh databases, other ports), so the
shared test stack's data is left alone.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cinemapb.cinema.v1 import cinema_pb2, cinema_pb2_grpc
from cinemapb.movie.v1 import movie_pb2, movie_pb2_grpc
from deploy import infra
from deploy.demo import DemoSettings, load_demo_catalogue
from deploy.stack import Stack, delete_topics, isolated_env
from svckit.clients import insecure_channel
from tests.conftest import LOGS, SLOT

DEMO_SERVICES = ("movie_svc", "cinema_svc")


def wait_serving(stack: Stack, addresses: list[str], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    for address in addresses:
        with grpc.insecure_channel(address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            while True:
                if dead := stack.exited():
                    raise RuntimeError(f"exited during start-up: {dead}")
                try:
                    reply = health.Check(health_pb2.HealthCheckRequest(), timeout=1.0)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        break
                except grpc.RpcError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{address} not serving after {timeout:.0f}s")
                time.sleep(0.2)


@pytest.fixture(scope="module")
def demo_settings(endpoints: infra.Endpoints) -> Iterator[DemoSettings]:
    env = isolated_env(
        endpoints,
        name=f"demotest{SLOT or ''}",
        port_base=22051 + 10 * SLOT,
        gateway_port=18500 + SLOT,
    )
    stack = Stack(env, log_dir=LOGS / "demo")
    try:
        for name in DEMO_SERVICES:
            stack.start(name)
        wait_serving(stack, [env["MOVIE_SVC_ADDR"], env["CINEMA_SVC_ADDR"]])
        yield DemoSettings(
            movie_svc_addr=env["MOVIE_SVC_ADDR"],
            cinema_svc_addr=env["CINEMA_SVC_ADDR"],
            jwt_secret=env["JWT_SECRET"],
        )
    finally:
        stack.stop_all()
        delete_topics(env)


@dataclass(frozen=True)
class Catalogue:
    genres: list[str]
    movies: list[movie_pb2.Movie]
    halls: list[cinema_pb2.Hall]
    sessions: list[cinema_pb2.Session]


async def read_catalogue(settings: DemoSettings) -> Catalogue:
    async with (
        insecure_channel(settings.movie_svc_addr) as movie_channel,
        insecure_channel(settings.cinema_svc_addr) as cinema_channel,
    ):
        movies = movie_pb2_grpc.MovieServiceStub(movie_channel)
        cinema = cinema_pb2_grpc.CinemaServiceStub(cinema_channel)
        genres = await movies.ListGenres(movie_pb2.ListGenresRequest(page_size=100))
        films = await movies.ListMovies(movie_pb2.ListMoviesRequest(page_size=100))
        halls = await cinema.ListHalls(cinema_pb2.ListHallsRequest(page_size=100))
        sessions: list[cinema_pb2.Session] = []
        page = 1
        while True:
            reply = await cinema.ListSessions(
                cinema_pb2.ListSessionsRequest(page=page, page_size=100)
            )
            sessions += reply.items
            if len(sessions) >= reply.total:
                break
            page += 1
    return Catalogue(
        genres=[g.name for g in genres.items],
        movies=list(films.items),
        halls=list(halls.items),
        sessions=sessions,
    )


def seat_types(hall: cinema_pb2.Hall) -> Counter[int]:
    return Counter(seat.type for seat in hall.seats)


async def test_the_demo_loads_a_realistic_catalogue_once(demo_settings: DemoSettings) -> None:
    assert await load_demo_catalogue(demo_settings) is True
    catalogue = await read_catalogue(demo_settings)

    assert len(catalogue.genres) == 6
    assert len(catalogue.movies) == 6
    assert all(movie.genres and movie.description for movie in catalogue.movies)
    assert {m.movie_status for m in catalogue.movies} == {
        movie_pb2.MOVIE_STATUS_NOW_SHOWING,
        movie_pb2.MOVIE_STATUS_COMING_SOON,
        movie_pb2.MOVIE_STATUS_ENDED,
    }

    red, studio, grand = catalogue.halls
    assert (len(red.seats), len(studio.seats), len(grand.seats)) == (96, 60, 240)
    assert seat_types(red) == {
        cinema_pb2.SEAT_TYPE_STANDARD: 68,
        cinema_pb2.SEAT_TYPE_VIP: 24,
        cinema_pb2.SEAT_TYPE_WHEELCHAIR: 2,
        cinema_pb2.SEAT_TYPE_COMPANION: 2,
    }
    for hall in (red, grand):
        kinds = {(s.row, s.number): s.type for s in hall.seats}
        for (row, number), kind in kinds.items():
            if kind == cinema_pb2.SEAT_TYPE_COMPANION:
                beside = {kinds.get((row, number - 1)), kinds.get((row, number + 1))}
                assert cinema_pb2.SEAT_TYPE_WHEELCHAIR in beside
    assert {s.row for s in red.seats if s.type == cinema_pb2.SEAT_TYPE_VIP} == {7, 8}
    assert seat_types(studio) == {cinema_pb2.SEAT_TYPE_STANDARD: 60}
    assert seat_types(grand)[cinema_pb2.SEAT_TYPE_VIP] == 60

    now = datetime.now(UTC)
    showing = {
        m.id for m in catalogue.movies if m.movie_status == movie_pb2.MOVIE_STATUS_NOW_SHOWING
    }
    assert len(catalogue.sessions) >= 3 * 3 * 6
    for hall in catalogue.halls:
        own = [s for s in catalogue.sessions if s.hall_id == hall.id]
        days = {s.start_time.ToDatetime(tzinfo=UTC).date() for s in own}
        assert len(days) >= 6
        for earlier, later in pairwise(own):
            assert earlier.end_time.ToDatetime() <= later.start_time.ToDatetime()
    for session in catalogue.sessions:
        start = session.start_time.ToDatetime(tzinfo=UTC)
        assert now < start < now + timedelta(days=8)
        assert 800 <= session.base_price_cents <= 1400
        assert session.movie_id in showing
        assert session.status == cinema_pb2.SESSION_STATUS_SCHEDULED

    assert await load_demo_catalogue(demo_settings) is False
    assert await read_catalogue(demo_settings) == catalogue
