"""Publishes committed outbox rows to Kafka in order, and purges old ones.

Reads and marks rows through the service's SQLAlchemy engine; the leader lock and the
wake-ups go through the relay's own connection (`leadership`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import Producer
from opentelemetry.trace import Span, StatusCode
from sqlalchemy import BigInteger, Table, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.db import BinaryQuery
from svckit.kafka import cloudevent_headers, producer_config
from svckit.outbox.leadership import Leader, leading
from svckit.outbox.metrics import RelayMetrics
from svckit.tracing import publish_span, span_traceparent, untraced

log = logging.getLogger(__name__)

KEEP_PUBLISHED = timedelta(hours=24)
PURGE_EVERY = timedelta(minutes=10)


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
        gather_seconds: float = 0.025,
        producer_factory: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.engine = engine
        self.dsn = dsn
        self.table = table
        self.source = source
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.gather_seconds = gather_seconds
        self.producer_config = producer_config(bootstrap_servers) | {"message.timeout.ms": 10_000}
        self.producer_factory = producer_factory or Producer
        self._producer: Any = None
        self.before_batch: Callable[[], Awaitable[None]] | None = None
        """Awaited before each batch is read: lets more urgent work of the process go first."""
        self.metrics = RelayMetrics(source)
        t = table
        self._unpublished = BinaryQuery(
            select(t.c.id, t.c.event_id, t.c.topic, t.c.key, t.c.event_type)
            .add_columns(t.c.payload, t.c.created_at, t.c.traceparent)
            .where(t.c.published_at.is_(None))
            .order_by(t.c.id)
            .limit(batch_size)
        )
        """The oldest unpublished rows, a batch of them."""
        self._mark_published = BinaryQuery(
            update(t)
            .where(t.c.id == func.any(bindparam("ids", type_=ARRAY(BigInteger))))
            .values(published_at=func.now())
            .returning(t.c.created_at, t.c.published_at),
            parameters=["ids"],
        )
        """Marks the rows `ids` published; their creation and publication times."""

    @property
    def producer(self) -> Any:
        """The Kafka producer, made anew after a fatal error (an idempotent producer can fence)."""
        if self._producer is None:
            self._producer = self.producer_factory(self.producer_config)
        return self._producer

    async def run(self) -> None:
        """Waits to become the leader, then relays until cancelled (its statements untraced)."""
        with untraced():
            await self._relay()

    async def _relay(self) -> None:
        async with leading(
            self.dsn, source=self.source, poll_seconds=self.idle_poll_seconds
        ) as leader:
            await self._warm_up()
            log.info("outbox relay leading for %s", self.source)
            await leader.listen()
            last_purge = datetime.now(UTC)
            while True:
                if self.before_batch is not None:
                    await self.before_batch()
                published = await self.publish_batch()
                if published < self.batch_size:
                    # the batch took every row there was: what commits next sends a NOTIFY
                    await self._wait_for_notify(leader)
                if datetime.now(UTC) - last_purge > PURGE_EVERY:
                    await self.purge_published()
                    last_purge = datetime.now(UTC)

    async def _warm_up(self) -> None:
        """Connects the producer before the first event needs it (a cold one costs ~0.5 s)."""
        try:
            await asyncio.to_thread(self.producer.list_topics, timeout=5.0)
        except Exception as error:  # Kafka may be down: publishing retries anyway
            log.warning("outbox relay: Kafka not reachable yet: %s", error)

    async def _wait_for_notify(self, leader: Leader) -> None:
        """Waits for a commit's NOTIFY, then a moment more so a burst goes out as one batch.

        Every commit notifies, so after a burst thousands of notices may arrive in one read;
        psycopg yields each of them even with `stop_after=1`. One is enough: the rest are
        dropped unseen, and the gathering pause is taken once, not once per notice.
        """
        if await leader.heard_commit(self.idle_poll_seconds):
            await asyncio.sleep(self.gather_seconds)

    async def publish_batch(self) -> int:
        """Publishes the oldest unpublished rows; returns how many were marked published.

        Rows count as published only up to the first one Kafka did not acknowledge, so a
        failed event is sent again before any later event is done with; those later ones
        may then arrive twice, which consumers absorb by deduplicating on ce_id.
        A row queued inside a trace is published in a producer span of that trace, whose
        traceparent the record carries.
        Also brings the backlog gauge up to date: counting the rows costs a query only when
        the batch was full.
        """
        async with self.engine.connect() as conn:
            rows = await self._unpublished.fetch(conn)
        if not rows:
            self.metrics.backlog(0)
            return 0
        row_ids = [row[0] for row in rows]
        delivered: set[int] = set()
        failures: list[Any] = []

        def on_delivery(row_id: int, span: Span | None) -> Callable[[Any, Any], None]:
            def callback(error: Any, _message: Any) -> None:
                if error is None:
                    delivered.add(row_id)
                else:
                    failures.append(error)
                if span is not None:
                    if error is not None:
                        span.set_status(StatusCode.ERROR, str(error))
                    span.end()

            return callback

        for row_id, event_id, topic, key, event_type, payload, created_at, row_trace in rows:
            span = publish_span(topic, row_trace)
            traceparent = span_traceparent(span) if span is not None else None
            self.producer.produce(
                topic,
                key=key.encode(),
                value=payload,
                headers=cloudevent_headers(
                    str(event_id), event_type, self.source, created_at, traceparent
                ),
                on_delivery=on_delivery(row_id, span),
            )
        while len(delivered) + len(failures) < len(rows):
            await asyncio.to_thread(self.producer.flush, 1.0)
        published = list(itertools.takewhile(lambda row_id: row_id in delivered, row_ids))
        if published:
            async with self.engine.begin() as conn:
                times = await self._mark_published.fetch(conn, {"ids": published})
            self.metrics.published(times)
        backlog = len(rows) - len(published)
        if len(rows) == self.batch_size:
            backlog = await self.count_unpublished()
        self.metrics.backlog(backlog)
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
