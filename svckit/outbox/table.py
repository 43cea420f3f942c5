"""The outbox table each service declares, and the channel a commit notifies the relay on."""

from __future__ import annotations

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
    func,
    text,
)

NOTIFY_CHANNEL = "outbox"


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
        Column("traceparent", Text),
        Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
    )
