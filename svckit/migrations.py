"""Alembic run from code: each service migrates its own database before it serves."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.pool import NullPool

from svckit.db import sqlalchemy_url

MIGRATION_LOCK_KEY = 7_264_001
"""Advisory lock that keeps several replicas from migrating the same database at once."""


def migrations_dir(package: str) -> Path:
    """Where a service keeps its alembic scripts: the `migrations` folder of its package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no package {package!r}")
    return Path(next(iter(spec.submodule_search_locations))) / "migrations"


def alembic_config(migrations_dir: Path, dsn: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(dsn))
    return config


def upgrade_to_head(migrations_dir: Path, dsn: str) -> None:
    command.upgrade(alembic_config(migrations_dir, dsn), "head")


async def migrate(migrations_dir: Path, dsn: str) -> None:
    """Applies every pending migration; safe to run again and from several replicas."""
    await asyncio.to_thread(upgrade_to_head, migrations_dir, dsn)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's alembic env.py (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url is not configured")
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
            context.run_migrations()
    engine.dispose()
