"""The entry point every service's __main__ uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvloop
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.db import make_engine
from svckit.grpc_server import Setup, serve
from svckit.logging import configure_logging
from svckit.migrations import migrate


def run_service(name: str, addr: str, setup: Setup, *, log_level: str = "INFO") -> None:
    """Configures JSON logs and serves until SIGTERM/SIGINT."""
    configure_logging(name, log_level)
    uvloop.run(serve(name, addr, setup))


@asynccontextmanager
async def migrated_database(
    migrations_dir: Path, dsn: str, *, pool_size: int = 20
) -> AsyncIterator[AsyncEngine]:
    """Migrates the service's database to head, then yields an engine disposed on exit."""
    await migrate(migrations_dir, dsn)
    engine = make_engine(dsn, pool_size=pool_size)
    try:
        yield engine
    finally:
        await engine.dispose()
