"""Wires movie_svc: its database, its servicer and its background work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import grpc

from cinemapb.movie.v1 import movie_pb2, movie_pb2_grpc
from movie_svc.grpc_api import MovieServiceServicer
from movie_svc.settings import Settings
from svckit.service import migrated_database, run_service, service_names


def main() -> None:
    settings = Settings()

    @asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[Sequence[str]]:
        async with migrated_database("movie_svc", settings.movie_database_url) as engine:
            movie_pb2_grpc.add_MovieServiceServicer_to_server(MovieServiceServicer(engine), server)
            yield service_names(movie_pb2)

    run_service("movie_svc", settings, setup)
