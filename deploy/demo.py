"""Loads a demo catalogue (genres, movies, halls, a week of sessions) into an empty system.

`python -m deploy.demo`; `make run` calls `load_demo_catalogue` before it starts the gateway
(which drops its cached catalogue reads when it starts). Everything goes through the services'
gRPC APIs as an admin, so every rule applies.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TypeVar

import grpc

from cinemapb.cinema.v1 import cinema_pb2, cinema_pb2_grpc
from cinemapb.movie.v1 import movie_pb2, movie_pb2_grpc
from svckit.clients import bearer_channel
from svckit.identity import Caller, call_metadata
from svckit.protoconv import to_timestamp
from svckit.settings import CinemaSvcPeer, JwtSettings, MovieSvcPeer
from svckit.tokens import issue_access_token

log = logging.getLogger(__name__)

T = TypeVar("T")

REQUEST = call_metadata(None, "demo-catalogue")
"""Every call's metadata: the request id; the admin token comes with the channel."""
ADMIN = Caller(user_id=0, role="admin")
"""Who loads the demo: an admin of no account, with a token signed by the deployment's secret."""
ADMIN_TOKEN_SECONDS = 3600
CALL_TIMEOUT_SECONDS = 30.0
READY_TIMEOUT_SECONDS = 180.0
"""How long the first calls wait for services that are still starting."""
PARALLEL_CALLS = 8
DAYS = 7
BREAK_MINUTES = 15
"""Trailers and cleaning between the end of a film and the end of its session."""
EARLIEST_START = timedelta(minutes=30)
"""Today's slots that start sooner than this are left out."""

POSTERS_PATH = "/static/posters/"
"""Where the gateway serves the demo posters from (gateway/static/posters/)."""
GENRES = ("Drama", "Comedy", "Science Fiction", "Thriller", "Animation", "Documentary")


@dataclass(frozen=True)
class DemoMovie:
    title: str
    description: str
    year: int
    duration: int
    age_rating: str
    status: movie_pb2.MovieStatus.ValueType
    genres: tuple[str, ...]

    @property
    def poster_url(self) -> str:
        """The poster that ships with the project (gateway/static/posters/<title slug>.svg)."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower().replace("'", "")).strip("-")
        return f"{POSTERS_PATH}{slug}.svg"


MOVIES = (
    DemoMovie(
        "The Cartographer's Daughter",
        "A mapmaker's daughter retraces her late father's last expedition along the Patagonian "
        "coast and finds the one bay he never drew.",
        2023,
        128,
        "PG-13",
        movie_pb2.MOVIE_STATUS_NOW_SHOWING,
        ("Drama",),
    ),
    DemoMovie(
        "Orbit of Small Things",
        "An engineer on an ageing space station learns that its AI has been quietly collecting "
        "debris, and that the debris has started answering back.",
        2024,
        141,
        "PG-13",
        movie_pb2.MOVIE_STATUS_NOW_SHOWING,
        ("Science Fiction", "Drama"),
    ),
    DemoMovie(
        "Last Train to Vellmar",
        "A night conductor has until dawn to find out which of his eleven passengers smuggled "
        "a stolen ledger aboard.",
        2024,
        112,
        "R",
        movie_pb2.MOVIE_STATUS_NOW_SHOWING,
        ("Thriller",),
    ),
    DemoMovie(
        "Paper Lanterns",
        "Two rival lantern makers are forced to share a stall at the biggest festival of the "
        "year, and their creations have opinions about it.",
        2025,
        96,
        "PG",
        movie_pb2.MOVIE_STATUS_NOW_SHOWING,
        ("Animation", "Comedy"),
    ),
    DemoMovie(
        "Beneath the Glacier",
        "A year with the scientists who drill into a shrinking Alpine glacier, and the "
        "villagers who depend on its meltwater.",
        2025,
        89,
        "0+",
        movie_pb2.MOVIE_STATUS_COMING_SOON,
        ("Documentary",),
    ),
    DemoMovie(
        "The Sunday Supper Club",
        "Four retired chefs reopen their old restaurant for a single night to settle a "
        "thirty-year-old argument about a soup.",
        2021,
        104,
        "12+",
        movie_pb2.MOVIE_STATUS_ENDED,
        ("Comedy", "Drama"),
    ),
)


@dataclass(frozen=True)
class DemoHall:
    number: int
    name: str
    rows: int
    seats_per_row: int
    vip_rows: tuple[int, ...]
    wheelchair: tuple[tuple[int, int], ...]
    """(row, number) of the wheelchair places."""
    companion: tuple[tuple[int, int], ...]
    """(row, number) of the companion seats, each beside a wheelchair place."""
    starts: tuple[time, ...]
    """When its sessions start each day (UTC)."""
    day_price_cents: int
    evening_price_cents: int


HALLS = (
    DemoHall(
        1,
        "Red Hall",
        8,
        12,
        vip_rows=(7, 8),
        wheelchair=((1, 1), (1, 12)),
        companion=((1, 2), (1, 11)),
        starts=(time(11), time(14), time(17), time(20), time(23)),
        day_price_cents=1000,
        evening_price_cents=1200,
    ),
    DemoHall(
        2,
        "Studio",
        6,
        10,
        vip_rows=(),
        wheelchair=(),
        companion=(),
        starts=(time(10, 30), time(13, 30), time(16, 30), time(19, 30)),
        day_price_cents=800,
        evening_price_cents=950,
    ),
    DemoHall(
        3,
        "Grand Hall",
        12,
        20,
        vip_rows=(10, 11, 12),
        wheelchair=((1, 1), (1, 20)),
        companion=((1, 2), (1, 19)),
        starts=(time(12), time(15), time(18), time(21)),
        day_price_cents=1100,
        evening_price_cents=1400,
    ),
)
EVENING = time(18)


async def gather_limited(calls: Iterable[Awaitable[T]]) -> list[T]:
    """Awaits the calls a few at a time, keeping their order."""
    semaphore = asyncio.Semaphore(PARALLEL_CALLS)

    async def limited(call: Awaitable[T]) -> T:
        async with semaphore:
            return await call

    return await asyncio.gather(*(limited(call) for call in calls))


async def serving(*channels: grpc.aio.Channel) -> None:
    """Waits until every channel has connected to its service, READY_TIMEOUT_SECONDS at most.

    A call's own wait for its peer ends at 10 s (svckit.clients.PEER_SERVICE_CONFIG caps every
    deadline there), and a service can take longer to start: migrations on a busy machine, or a
    restart after it exited."""
    async with asyncio.timeout(READY_TIMEOUT_SECONDS):
        await asyncio.gather(*(channel.channel_ready() for channel in channels))


async def is_empty(
    movies: movie_pb2_grpc.MovieServiceAsyncStub, cinema: cinema_pb2_grpc.CinemaServiceAsyncStub
) -> bool:
    halls, films = await asyncio.gather(
        cinema.ListHalls(
            cinema_pb2.ListHallsRequest(page_size=1),
            wait_for_ready=True,
            timeout=CALL_TIMEOUT_SECONDS,
        ),
        movies.ListMovies(
            movie_pb2.ListMoviesRequest(page_size=1),
            wait_for_ready=True,
            timeout=CALL_TIMEOUT_SECONDS,
        ),
    )
    return halls.total == 0 and films.total == 0


async def ensure_genres(movies: movie_pb2_grpc.MovieServiceAsyncStub) -> dict[str, int]:
    """Genre ids by name, creating the demo genres that do not exist yet."""
    existing = await movies.ListGenres(
        movie_pb2.ListGenresRequest(page_size=100), timeout=CALL_TIMEOUT_SECONDS
    )
    ids = {genre.name.lower(): genre.id for genre in existing.items}
    missing = [name for name in GENRES if name.lower() not in ids]
    created = await gather_limited(
        movies.CreateGenre(
            movie_pb2.CreateGenreRequest(name=name), metadata=REQUEST, timeout=CALL_TIMEOUT_SECONDS
        )
        for name in missing
    )
    ids |= {genre.name.lower(): genre.id for genre in created}
    return {name: ids[name.lower()] for name in GENRES}


async def create_movies(
    movies: movie_pb2_grpc.MovieServiceAsyncStub, genre_ids: dict[str, int]
) -> list[movie_pb2.Movie]:
    return await gather_limited(
        movies.CreateMovie(
            movie_pb2.CreateMovieRequest(
                movie=movie_pb2.MovieInput(
                    title=movie.title,
                    description=movie.description,
                    year=movie.year,
                    duration=movie.duration,
                    age_rating=movie.age_rating,
                    movie_status=movie.status,
                    genre_ids=[genre_ids[name] for name in movie.genres],
                    poster_url=movie.poster_url,
                )
            ),
            metadata=REQUEST,
            timeout=CALL_TIMEOUT_SECONDS,
        )
        for movie in MOVIES
    )


async def create_hall(
    cinema: cinema_pb2_grpc.CinemaServiceAsyncStub, hall: DemoHall
) -> cinema_pb2.Hall:
    """Lays the hall out in standard seats, then marks its vip rows, wheelchair places and
    their companion seats."""
    created = await cinema.CreateHall(
        cinema_pb2.CreateHallRequest(
            number=hall.number, name=hall.name, rows=hall.rows, seats_per_row=hall.seats_per_row
        ),
        metadata=REQUEST,
        timeout=CALL_TIMEOUT_SECONDS,
    )
    special: dict[tuple[int, int], cinema_pb2.SeatType.ValueType] = dict.fromkeys(
        hall.wheelchair, cinema_pb2.SEAT_TYPE_WHEELCHAIR
    ) | dict.fromkeys(hall.companion, cinema_pb2.SEAT_TYPE_COMPANION)
    vip_places = ((row, n) for row in hall.vip_rows for n in range(1, hall.seats_per_row + 1))
    special |= dict.fromkeys(vip_places, cinema_pb2.SEAT_TYPE_VIP)
    await gather_limited(
        cinema.UpdateSeat(
            cinema_pb2.UpdateSeatRequest(
                id=seat.id, row=seat.row, number=seat.number, type=special[(seat.row, seat.number)]
            ),
            metadata=REQUEST,
            timeout=CALL_TIMEOUT_SECONDS,
        )
        for seat in created.seats
        if (seat.row, seat.number) in special
    )
    return created


def week_of_sessions(
    halls: list[cinema_pb2.Hall], films: list[movie_pb2.Movie], now: datetime
) -> list[cinema_pb2.CreateSessionRequest]:
    """Every hall's slots for the next days, rotating the films now showing.

    A session lasts the film plus a break; slots are three hours apart, longer than any demo
    film, so sessions in one hall never overlap.
    """
    showing = [film for film in films if film.movie_status == movie_pb2.MOVIE_STATUS_NOW_SHOWING]
    requests = []
    for hall_index, (hall, plan) in enumerate(zip(halls, HALLS, strict=True)):
        for day_index in range(DAYS):
            day = now.date() + timedelta(days=day_index)
            for slot, start_at in enumerate(plan.starts):
                start = datetime.combine(day, start_at, tzinfo=UTC)
                if start - now < EARLIEST_START:
                    continue
                film = showing[(hall_index + day_index + slot) % len(showing)]
                evening = start_at >= EVENING
                requests.append(
                    cinema_pb2.CreateSessionRequest(
                        movie_id=film.id,
                        hall_id=hall.id,
                        start_time=to_timestamp(start),
                        end_time=to_timestamp(
                            start + timedelta(minutes=film.duration + BREAK_MINUTES)
                        ),
                        base_price_cents=(
                            plan.evening_price_cents if evening else plan.day_price_cents
                        ),
                    )
                )
    return requests


class DemoSettings(MovieSvcPeer, CinemaSvcPeer, JwtSettings):
    """Where the demo loader finds the services it fills, and the secret it signs its token with."""


def admin_token(settings: DemoSettings) -> str:
    return issue_access_token(
        ADMIN,
        secret=settings.jwt_secret.get_secret_value(),
        algorithm=settings.jwt_algorithm,
        ttl_seconds=ADMIN_TOKEN_SECONDS,
    )


async def load_demo_catalogue(settings: DemoSettings) -> bool:
    """Loads the demo when there are no halls and no movies; False if it had nothing to do."""
    token = admin_token(settings)
    movie_channel = bearer_channel(settings.movie_svc_addr, lambda: token)
    cinema_channel = bearer_channel(settings.cinema_svc_addr, lambda: token)
    try:
        await serving(movie_channel, cinema_channel)
        movies = movie_pb2_grpc.MovieServiceStub(movie_channel)
        cinema = cinema_pb2_grpc.CinemaServiceStub(cinema_channel)
        if not await is_empty(movies, cinema):
            log.info("catalogue not empty; demo not loaded")
            return False
        genre_ids = await ensure_genres(movies)
        films = await create_movies(movies, genre_ids)
        halls = [await create_hall(cinema, hall) for hall in HALLS]
        sessions = await gather_limited(
            cinema.CreateSession(request, metadata=REQUEST, timeout=CALL_TIMEOUT_SECONDS)
            for request in week_of_sessions(halls, films, datetime.now(UTC))
        )
        log.info(
            "demo catalogue loaded: %d genres, %d movies, %d halls, %d sessions",
            len(genre_ids),
            len(films),
            len(halls),
            len(sessions),
        )
        return True
    finally:
        await movie_channel.close(grace=None)
        await cinema_channel.close(grace=None)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    loaded = asyncio.run(load_demo_catalogue(DemoSettings()))
    print("demo catalogue loaded" if loaded else "catalogue not empty; nothing loaded")


if __name__ == "__main__":
    main()
