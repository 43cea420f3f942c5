"""The entry point every service's __main__ uses."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType

import uvloop
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.db import make_engine
from svckit.grpc_server import Setup, serve
from svckit.logging import configure_logging
from svckit.metrics import listen_host
from svckit.migrations import migrate, migrations_dir
from svckit.settings import GrpcServing
from svckit.tracing import setup_tracing
from svckit.workers import current_worker, die_with_parent, run_workers


def run_service(name: str, settings: GrpcServing, setup: Setup, *, workers: int = 1) -> None:
    """Configures JSON logs and tracing, and serves until SIGTERM/SIGINT: in this process, or
    in `workers` worker processes sharing the service's port and metrics port."""
    configure_logging(name, settings.log_level)
    worker = current_worker()
    if worker is None and workers > 1:
        host = listen_host(settings.grpc_addr)
        port = int(settings.grpc_addr.rsplit(":", 1)[1])
        sys.exit(
            run_workers(name, workers, listen=(host, port), metrics=(host, settings.metrics_port))
        )
    if worker is not None:
        die_with_parent(worker)
        settings = settings.model_copy(update={"metrics_port": 0})
    setup_tracing(name)
    uvloop.run(serve(name, settings, setup, reuse_port=worker is not None))


def service_names(generated: ModuleType) -> list[str]:
    """The full names of the gRPC services a generated `*_pb2` module declares."""
    return [service.full_name for service in generated.DESCRIPTOR.services_by_name.values()]


@asynccontextmanager
async def migrated_database(
    package: str, dsn: str, *, pool_size: int = 40
) -> AsyncIterator[AsyncEngine]:
    """Migrates the service's database to head, then yields an engine disposed on exit."""
    await migrate(migrations_dir(package), dsn)
    engine = make_engine(dsn, pool_size=pool_size)
    try:
        yield engine
    finally:
        await engine.dispose()
