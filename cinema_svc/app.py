"""Wires cinema_svc: its database, its servicer and its background work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import grpc

from cinema_svc.grpc_api import CinemaServiceServicer
from cinema_svc.settings import Settings
from cinemapb.cinema.v1 import cinema_pb2, cinema_pb2_grpc
from svckit.service import migrated_database, run_service

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = cinema_pb2.DESCRIPTOR.services_by_name["CinemaService"].full_name


def main() -> None:
    settings = Settings()

    @asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[Sequence[str]]:
        async with migrated_database(MIGRATIONS, settings.cinema_database_url) as engine:
            cinema_pb2_grpc.add_CinemaServiceServicer_to_server(
                CinemaServiceServicer(engine, settings), server
            )
            yield [SERVICE_NAME]

    run_service("cinema_svc", settings.cinema_svc_addr, setup, log_level=settings.log_level)
