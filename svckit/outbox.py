"""Transactional outbox: events are written with the change that causes them, then relayed to Kafka.

An event row exists if and only if its transaction committed. One relay per database is
the leader at a time (a PostgreSQL advisory lock), so rows are published in commit order
and one session's events keep their order on its partition; other replicas stand by.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from confluent_kafka import Producer
from psycopg import sql
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from svckit.db import driver_connection
from svckit.kafka import cloudevent_headers, producer_config
from svckit.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISHED, OUTBOX_RELAY_LAG

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "outbox"
RELAY_LOCK_KEY = 7_264_002
KEEP_PUBLISHED = timedelta(hours=24)


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table, declared in a service's own metadata."""
    return Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("event_type", Text, nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
    )


@dataclass(frozen=True)
class OutboxEvent:
    """One event to queue: where it goes and its encoded value."""

    topic: str
    key: str
    event_type: str
    payload: bytes
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)


async def add_events(session: AsyncSession, table: Table, events: Sequence[OutboxEvent]) -> None:
    """Queues events, in order, inside the caller's transaction and wakes the relay at commit.

    One statement whatever the count: the rows travel as arrays in binary form, and the
    NOTIFY rides along.
    """
    if not events:
        return
    statement = sql.SQL(
        """
        WITH queued AS (
            INSERT INTO {table} (event_id, topic, key, event_type, payload)
            SELECT * FROM unnest(
                %(event_ids)b::uuid[], %(topics)b::text[], %(keys)b::text[],
                %(event_types)b::text[], %(payloads)b::bytea[]
            )
        )
        SELECT pg_notify(%(channel)s, '')
        """
    ).format(table=sql.Identifier(table.name))
    conn = await driver_connection(session)
    await conn.execute(
        statement,
        {
            "event_ids": [event.event_id for event in events],
            "topics": [event.topic for event in events],
            "keys": [event.key for event in events],
            "event_types": [event.event_type for event in events],
            "payloads": [event.payload for event in events],
            "channel": NOTIFY_CHANNEL,
        },
    )


async def add_event(
    session: AsyncSession,
    table: Table,
    *,
    topic: str,
    key: str,
    event_type: str,
    payload: bytes,
    event_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Queues one event inside the caller's transaction; returns its id."""
    event = OutboxEvent(topic, key, event_type, payload, event_id or uuid.uuid4())
    await add_events(session, table, [event])
    return event.event_id


async def first_notice(conn: psycopg.AsyncConnection[Any], within: float) -> bool:
    """Waits up to `within` seconds for a notice on a LISTENing connection; True if one came."""
    async with contextlib.aclosing(conn.notifies(timeout=within)) as notices:
        async for _ in notices:
            return True
    return False


def libpq_dsn(dsn: str) -> str:
    """The DSN without SQLAlchemy's driver suffix, for a raw psycopg connection."""
    return dsn.replace("postgresql+psycopg://", "postgresql://", 1)


class OutboxRelay:
    """Publishes committed outbox rows to Kafka in order, retrying while Kafka is down."""

    def __init__(
        self,
        engine: AsyncEngine,
        dsn: str,
        table: Table,
        *,
        bootstrap_servers: str,
        source: str,
        batch_size: int = 2000,
        idle_poll_seconds: float = 1.0,
        gather_seconds: float = 0.01,
        producer_factory: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.engine = engine
        self.dsn = libpq_dsn(dsn)
        self.table = table
        self.source = source
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.gather_seconds = gather_seconds
        self.producer_config = producer_config(bootstrap_servers) | {"message.timeout.ms": 10_000}
        self.producer_factory = producer_factory or Producer
        self._producer: Any = None
        self._backlog = OUTBOX_BACKLOG.labels(source)
        self._published = OUTBOX_PUBLISHED.labels(source)
        self._lag = OUTBOX_RELAY_LAG.labels(source)

    @property
    def producer(self) -> Any:
        """The Kafka producer, made anew after a fatal error (an idempotent producer can fence)."""
        if self._producer is None:
            self._producer = self.producer_factory(self.producer_config)
        return self._producer

    async def run(self) -> None:
        """Waits to become the leader, then relays until cancelled."""
        async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
            await self._wait_to_lead(conn)
            await self._warm_up()
            log.info("outbox relay leading for %s", self.source)
            await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            last_purge = datetime.now(UTC)
            while True:
                published = await self.publish_batch()
                if published == 0:
                    await self._wait_for_notify(conn)
                if datetime.now(UTC) - last_purge > timedelta(minutes=10):
                    await self.purge_published()
                    last_purge = datetime.now(UTC)

    async def _warm_up(self) -> None:
        """Connects the producer before the first event needs it (a cold one costs ~0.5 s)."""
        try:
            await asyncio.to_thread(self.producer.list_topics, timeout=5.0)
        except Exception as error:  # Kafka may be down: publishing retries anyway
            log.warning("outbox relay: Kafka not reachable yet: %s", error)

    async def _wait_to_lead(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Returns once this relay holds the leader lock (a standby keeps trying)."""
        for attempt in itertools.count():
            cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (RELAY_LOCK_KEY,))
            row = await cursor.fetchone()
            if row and row[0]:
                return
            if attempt == 0:
                log.info("outbox relay on standby for %s", self.source)
            await asyncio.sleep(self.idle_poll_seconds)

    async def _wait_for_notify(self, conn: psycopg.AsyncConnection[Any]) -> None:
        """Waits for a commit's NOTIFY, then a moment more so a burst goes out as one batch.

        Every commit notifies, so after a burst thousands of notices may arrive in one read;
        psycopg yields each of them even with `stop_after=1`. One is enough: the rest are
        dropped unseen, and the gathering pause is taken once, not once per notice.
        """
        if await first_notice(conn, self.idle_poll_seconds):
            await asyncio.sleep(self.gather_seconds)

    async def publish_batch(self) -> int:
        """Publishes the oldest unpublished rows; returns how many were marked published.

        Rows count as published only up to the first one Kafka did not acknowledge, so a
        failed event is sent again before any later event is done with; those later ones
        may then arrive twice, which consumers absorb by deduplicating on ce_id.
        Also brings the backlog gauge up to date: counting the rows costs a query only when
        the batch was full.
        """
        t = self.table
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.c.id, t.c.event_id, t.c.topic, t.c.key, t.c.event_type)
                    .add_columns(t.c.payload, t.c.created_at)
                    .where(t.c.published_at.is_(None))
                    .order_by(t.c.id)
                    .limit(self.batch_size)
                )
            ).all()
        if not rows:
            self._backlog.set(0)
            return 0
        row_ids = [row.id for row in rows]
        delivered: set[int] = set()
        failures: list[Any] = []

        def on_delivery(row_id: int) -> Callable[[Any, Any], None]:
            def callback(error: Any, _message: Any) -> None:
                if error is None:
                    delivered.add(row_id)
                else:
                    failures.append(error)

            return callback

        for row in rows:
            headers: list[tuple[str, str | bytes | None]] = [
                *cloudevent_headers(str(row.event_id), row.event_type, self.source, row.created_at)
            ]
            self.producer.produce(
                row.topic,
                key=row.key.encode(),
                value=row.payload,
                headers=headers,
                on_delivery=on_delivery(row.id),
            )
        while len(delivered) + len(failures) < len(rows):
            await asyncio.to_thread(self.producer.flush, 1.0)
        published = list(itertools.takewhile(lambda row_id: row_id in delivered, row_ids))
        if published:
            async with self.engine.begin() as conn:
                marked = await conn.execute(
                    update(t)
                    .where(t.c.id == func.any(bindparam("ids", published, type_=ARRAY(BigInteger))))
                    .values(published_at=func.now())
                    .returning(t.c.created_at, t.c.published_at)
                )
                times = marked.all()
            self._published.inc(len(times))
            for created_at, published_at in times:
                self._lag.observe((published_at - created_at).total_seconds())
        backlog = len(rows) - len(published)
        if len(rows) == self.batch_size:
            backlog = await self.count_unpublished()
        self._backlog.set(backlog)
        if failures:
            log.warning("outbox: %d events not delivered yet: %s", len(failures), failures[0])
            if any(_is_fatal(error) for error in failures):
                self._producer = None
            await asyncio.sleep(1.0)
        return len(published)

    async def count_unpublished(self) -> int:
        t = self.table
        async with self.engine.connect() as conn:
            count = await conn.scalar(
                select(func.count()).select_from(t).where(t.c.published_at.is_(None))
            )
        return int(count or 0)

    async def purge_published(self) -> None:
        t = self.table
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(t).where(t.c.published_at < datetime.now(UTC) - KEEP_PUBLISHED)
            )

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(5.0)


def _is_fatal(error: Any) -> bool:
    fatal = getattr(error, "fatal", None)
    return bool(fatal()) if callable(fatal) else False
