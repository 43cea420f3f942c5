"""Wires cinema_svc: its database, its servicer and its background work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import grpc

from cinema_svc.bookings import GrpcLiveBookings
from cinema_svc.grpc_api import CinemaServiceServicer
from cinema_svc.models import outbox
from cinema_svc.movies import GrpcMovieCatalogue
from cinema_svc.settings import Settings
from cinemapb.booking.v1 import booking_pb2_grpc
from cinemapb.cinema.v1 import cinema_pb2, cinema_pb2_grpc
from cinemapb.movie.v1 import movie_pb2_grpc
from svckit.clients import service_channel
from svckit.outbox import OutboxRelay
from svckit.service import migrated_database, run_service, service_names
from svckit.service_identity import ServiceTokens
from svckit.tasks import background


def main() -> None:
    settings = Settings()

    @asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[Sequence[str]]:
        async with migrated_database("cinema_svc", settings.cinema_database_url) as engine:
            relay = OutboxRelay(
                engine,
                settings.cinema_database_url,
                outbox,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                source="cinema_svc",
            )
            movie_channel = service_channel(
                settings.movie_svc_addr, ServiceTokens("cinema_svc", settings)
            )
            movies = GrpcMovieCatalogue(movie_pb2_grpc.MovieServiceStub(movie_channel))
            booking_channel = service_channel(
                settings.booking_svc_addr, ServiceTokens("cinema_svc", settings)
            )
            bookings = GrpcLiveBookings(booking_pb2_grpc.BookingServiceStub(booking_channel))
            cinema_pb2_grpc.add_CinemaServiceServicer_to_server(
                CinemaServiceServicer(engine, settings, movies, bookings), server
            )
            try:
                async with background({"outbox-relay": relay.run}):
                    yield service_names(cinema_pb2)
            finally:
                await movie_channel.close(grace=None)
                await booking_channel.close(grace=None)
                await asyncio.to_thread(relay.close)

    run_service("cinema_svc", settings, setup)
