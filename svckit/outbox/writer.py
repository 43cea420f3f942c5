"""Queues events in the caller's transaction, through the psycopg connection under it."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Table

from svckit.db import InTransaction, driver_connection
from svckit.outbox.table import NOTIFY_CHANNEL
from svckit.tracing import current_traceparent


@dataclass(frozen=True)
class OutboxEvent:
    """One event to queue: where it goes and its encoded value."""

    topic: str
    key: str
    event_type: str
    payload: bytes
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)


async def add_events(session: InTransaction, table: Table, events: Sequence[OutboxEvent]) -> None:
    """Queues events, in order, inside the caller's transaction and wakes the relay at commit.

    One prepared statement whatever the count: the rows travel as arrays in binary form,
    and the NOTIFY rides along. Each row keeps the active span's traceparent (NULL with
    tracing off).
    """
    if not events:
        return
    await _queue(await driver_connection(session), table, events)


async def add_events_and_commit(
    session: InTransaction, table: Table, events: Sequence[OutboxEvent]
) -> None:
    """Queues events as add_events does, then commits the caller's transaction, both in one
    round trip (a psycopg pipeline): the transaction's row locks are released a round trip
    sooner, which is what other writers of those rows wait for. Nothing may run in the
    transaction after it (leaving the session's `begin()` block commits nothing more)."""
    conn = await driver_connection(session)
    async with conn.pipeline():
        if events:
            await _queue(conn, table, events)
        await conn.commit()


async def _queue(
    conn: psycopg.AsyncConnection[Any], table: Table, events: Sequence[OutboxEvent]
) -> None:
    values = {
        "event_ids": [event.event_id for event in events],
        "topics": [event.topic for event in events],
        "keys": [event.key for event in events],
        "event_types": [event.event_type for event in events],
        "payloads": [event.payload for event in events],
        "traceparent": current_traceparent(),
        "channel": NOTIFY_CHANNEL,
    }
    await conn.execute(_queue_statement(table.name), values, prepare=True)


@functools.cache
def _queue_statement(table: str) -> str:
    """The INSERT of add_events for one outbox table, rendered once (psycopg prepares it)."""
    statement = sql.SQL(
        """
        WITH queued AS (
            INSERT INTO {table} (event_id, topic, key, event_type, payload, traceparent)
            SELECT unnested.*, %(traceparent)s::text FROM unnest(
                %(event_ids)b::uuid[], %(topics)b::text[], %(keys)b::text[],
                %(event_types)b::text[], %(payloads)b::bytea[]
            ) AS unnested
        )
        SELECT pg_notify(%(channel)s, '')
        """
    ).format(table=sql.Identifier(table))
    return statement.as_string()


async def add_event(
    session: InTransaction,
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
