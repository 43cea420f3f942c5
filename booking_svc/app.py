"""Wires booking_svc: its database, its servicer and its background work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import grpc

from booking_svc.grpc_api import BookingServiceServicer
from booking_svc.settings import Settings
from cinemapb.booking.v1 import booking_pb2, booking_pb2_grpc
from svckit.service import migrated_database, run_service

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = booking_pb2.DESCRIPTOR.services_by_name["BookingService"].full_name


def main() -> None:
    settings = Settings()

    @asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[Sequence[str]]:
        async with migrated_database(MIGRATIONS, settings.booking_database_url) as engine:
            booking_pb2_grpc.add_BookingServiceServicer_to_server(
                BookingServiceServicer(engine, settings), server
            )
            yield [SERVICE_NAME]

    run_service("booking_svc", settings.booking_svc_addr, setup, log_level=settings.log_level)
