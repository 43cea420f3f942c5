"""Async SQLAlchemy engine and sessions on psycopg 3."""

from __future__ import annotations

import select
from collections.abc import Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, overload

import psycopg
from sqlalchemy import MetaData, event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

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


def make_engine(dsn: str, *, pool_size: int = 40) -> AsyncEngine:
    """An engine that opens up to `pool_size` connections and keeps each it opens, and
    gives out none the server has closed.

    No overflow connections: SQLAlchemy closes those as they are given back, and under a
    burst that closed and opened one for nearly every request, each a new PostgreSQL backend
    (a fork) on which psycopg prepared the hot statements again (+15 % holds a second in a
    flash sale without them). A request beyond `pool_size` waits for a connection instead.

    Closed connections are found by `refuse_closed` on checkout, not by SQLAlchemy's
    `pool_pre_ping`: that sends `SELECT 1` before every transaction, a round trip and about
    0.4 ms of the service's CPU each time."""
    engine = create_async_engine(
        sqlalchemy_url(dsn),
        pool_size=pool_size,
        max_overflow=0,
        pool_recycle=1800,
        hide_parameters=True,
    )
    event.listen(engine.sync_engine, "checkout", refuse_closed)
    return engine


def refuse_closed(
    _dbapi_connection: object, entry: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    """Makes the pool replace a connection the server has closed (a restart, a terminated
    backend), and every connection older than it, before it is given out.

    Looks without sending anything: a server that ends a connection says so (a FATAL
    message, then the connection's end), and an idle connection otherwise has nothing to
    read (no pooled connection may LISTEN: the relay's and the expirer's listeners open
    connections of their own). A connection that died without a word (a host gone, a cable
    cut) still fails its first statement, and SQLAlchemy then replaces the pool's
    connections."""
    driver = entry.driver_connection
    if isinstance(driver, psycopg.AsyncConnection) and spoken_to_while_idle(driver):
        raise InvalidatePoolError("the server closed the connection")


def spoken_to_while_idle(conn: psycopg.AsyncConnection[Any]) -> bool:
    """Whether an idle connection is closed or has something to read (no round trip)."""
    if conn.closed:
        return True
    waiting = select.poll()
    waiting.register(conn.pgconn.socket, select.POLLIN)
    return bool(waiting.poll(0))


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


InTransaction = AsyncSession | AsyncConnection
"""What statements run in: an ORM session's transaction, or a Core connection's. A Core
connection costs 0.2-0.6 ms less CPU per transaction; booking_svc, whose holds are the hot
path, runs on them."""


@overload
def reading(database: AsyncEngine) -> AbstractAsyncContextManager[AsyncConnection]: ...
@overload
def reading(
    database: async_sessionmaker[AsyncSession],
) -> AbstractAsyncContextManager[AsyncSession]: ...
def reading(
    database: AsyncEngine | async_sessionmaker[AsyncSession],
) -> AbstractAsyncContextManager[AsyncConnection] | AbstractAsyncContextManager[AsyncSession]:
    """A transaction for reads that ends with a commit, not with the rollback that closing a
    session or connection sends. On a rollback psycopg drops every prepared statement of the
    connection (DEALLOCATE ALL), so each read would make the next hot statement on that
    connection be parsed and planned again."""
    return database.begin()


async def driver_connection(session: InTransaction) -> psycopg.AsyncConnection[Any]:
    """The psycopg connection under the session's (or connection's) transaction.

    For statements that want psycopg's binary formats: through SQLAlchemy every array is
    sent as text, and quoting a bytea array as text costs about 50 us per element.
    """
    connection = await session.connection() if isinstance(session, AsyncSession) else session
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if not isinstance(driver, psycopg.AsyncConnection):
        raise TypeError(f"not a psycopg async connection: {driver!r}")
    return driver


class BinaryQuery:
    """A Core statement compiled once to SQL text, then run on the psycopg connection under a
    session, prepared, with every value sent and returned in binary.

    For statements that return many rows, run often: psycopg reads binary arrays,
    timestamps, uuids and bytea several times faster than their text forms, SQLAlchemy's row
    processing is skipped, and so is compiling (a statement of several CTEs takes SQLAlchemy
    ~10 ms to compile). Values that change between runs are `bindparam`s named in
    `parameters` and given to every `fetch`; rows are plain tuples in the statement's column
    order.
    """

    def __init__(self, statement: ClauseElement, *, parameters: Iterable[str] = ()) -> None:
        self.statement = statement
        self.parameters = frozenset(parameters)
        self._compiled: tuple[str, dict[str, Any]] | None = None

    async def fetch(
        self, session: InTransaction, params: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        given = dict(params or {})
        if missing := self.parameters - given.keys():
            raise TypeError(f"no value for {', '.join(sorted(missing))}")
        text, values = self._compile(session)
        conn = await driver_connection(session)
        cursor = await conn.execute(text, values | given, prepare=True, binary=True)
        return await cursor.fetchall()

    def _compile(self, session: InTransaction) -> tuple[str, dict[str, Any]]:
        if self._compiled is None:
            bind = session.get_bind() if isinstance(session, AsyncSession) else session
            compiled = self.statement.compile(dialect=bind.dialect)
            if not isinstance(compiled, SQLCompiler):
                raise TypeError(f"not a SQL statement: {self.statement!r}")
            state = compiled.construct_expanded_state(dict.fromkeys(self.parameters))
            self._compiled = (state.statement, dict(state.parameters))
        return self._compiled


def libpq_dsn(dsn: str) -> str:
    """The DSN without SQLAlchemy's driver suffix, for a raw psycopg connection."""
    return dsn.replace("postgresql+psycopg://", "postgresql://", 1)
