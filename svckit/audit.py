"""The audit trail of catalogue changes: who (the verified caller), when, what.

Each service that owns a catalogue declares `audit_table` in its own metadata and records an
entry in the transaction of every change, so an entry exists if and only if its change
committed. The trail is read newest first, a page at a time, by entity and id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    MetaData,
    Row,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB

from cinemapb.audit.v1 import audit_pb2
from svckit.db import InTransaction
from svckit.errors import InvalidArgument
from svckit.identity import current_caller, signed_in
from svckit.paging import PageRequest
from svckit.protoconv import to_timestamp

AuditAction = Literal["created", "updated", "deleted"]
Changes = Mapping[str, Any]
"""The fields a change set, JSON-serialisable."""


def audit_table(metadata: MetaData) -> Table:
    """The audit_log table, declared in a service's own metadata."""
    return Table(
        "audit_log",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("user_id", BigInteger, nullable=False),
        Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("entity", Text, nullable=False),
        Column("entity_id", BigInteger, nullable=False),
        Column("action", Text, nullable=False),
        Column("changes", JSONB, nullable=False),
        Index("ix_audit_log_entity_entity_id_id", "entity", "entity_id", "id"),
    )


def calling_user_id() -> int:
    """The id of the signed-in user the server verified for this call."""
    return signed_in(current_caller(), "sign in to change the catalogue").user_id


class AuditTrail:
    """Records and reads the audit entries of one service's entities; `actor` says who acts."""

    def __init__(
        self,
        table: Table,
        entities: Sequence[str],
        actor: Callable[[], int] = calling_user_id,
    ) -> None:
        self.table = table
        self.entities = tuple(entities)
        self.actor = actor

    async def record(
        self,
        db: InTransaction,
        entity: str,
        entity_id: int,
        action: AuditAction,
        changes: Changes,
    ) -> None:
        """Adds an entry for the calling user in the caller's transaction."""
        assert entity in self.entities, entity
        await db.execute(
            insert(self.table).values(
                user_id=self.actor(),
                entity=entity,
                entity_id=entity_id,
                action=action,
                changes=dict(changes),
            )
        )

    async def list(
        self, db: InTransaction, entity: str, entity_id: int | None, page: PageRequest
    ) -> tuple[Sequence[Row[Any]], int]:
        """Entries newest first, of one kind of entity (all kinds for '') and one id."""
        if entity and entity not in self.entities:
            raise InvalidArgument(
                f"entity must be one of {', '.join(self.entities)}", code="invalid_entity"
            )
        if entity_id is not None and not entity:
            raise InvalidArgument("an id needs its entity", code="invalid_entity")
        query = select(self.table)
        if entity:
            query = query.where(self.table.c.entity == entity)
        if entity_id is not None:
            query = query.where(self.table.c.entity_id == entity_id)
        total = await db.scalar(select(func.count()).select_from(query.subquery()))
        rows = await db.execute(
            query.order_by(self.table.c.id.desc()).offset(page.offset).limit(page.page_size)
        )
        return rows.all(), int(total or 0)


def audit_entry_pb(row: Row[Any]) -> audit_pb2.AuditEntry:
    return audit_pb2.AuditEntry(
        id=row.id,
        user_id=row.user_id,
        time=to_timestamp(row.at),
        entity=row.entity,
        entity_id=row.entity_id,
        action=row.action,
        changes_json=json.dumps(row.changes, sort_keys=True),
    )
