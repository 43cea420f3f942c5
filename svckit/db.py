"""Async SQLAlchemy engine and sessions on psycopg 3."""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata() -> MetaData:
    """Fresh metadata with predictable constraint names, one per service."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def sqlalchemy_url(dsn: str) -> str:
    """Accepts a plain libpq DSN (postgresql://...) and names the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if dsn.startswith(prefix):
            return "postgresql+psycopg://" + dsn[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {dsn!r}")


def make_engine(dsn: str, *, pool_size: int = 20) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(dsn),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        hide_parameters=True,
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def driver_connection(session: AsyncSession) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under the session's transaction.

    For statements that want psycopg's binary formats: through SQLAlchemy every array is
    sent as text, and quoting a bytea array as text costs about 50 us per element.
    """
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if not isinstance(driver, psycopg.AsyncConnection):
        raise TypeError(f"not a psycopg async connection: {driver!r}")
    return driver


def libpq_dsn(dsn: str) -> str:
    """The DSN without SQLAlchemy's driver suffix, for a raw psycopg connection."""
    return dsn.replace("postgresql+psycopg://", "postgresql://", 1)
