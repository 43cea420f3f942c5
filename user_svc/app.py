"""Wires user_svc: its database, its servicer and its background work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import grpc

from cinemapb.user.v1 import user_pb2, user_pb2_grpc
from svckit.service import migrated_database, run_service
from user_svc.grpc_api import UserServiceServicer
from user_svc.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE_NAME = user_pb2.DESCRIPTOR.services_by_name["UserService"].full_name


def main() -> None:
    settings = Settings()

    @asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[Sequence[str]]:
        async with migrated_database(MIGRATIONS, settings.user_database_url) as engine:
            user_pb2_grpc.add_UserServiceServicer_to_server(
                UserServiceServicer(engine, settings), server
            )
            yield [SERVICE_NAME]

    run_service("user_svc", settings.user_svc_addr, setup, log_level=settings.log_level)
