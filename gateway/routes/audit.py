"""The audit trail of catalogue changes (admin): cinema_svc keeps halls, seats and sessions,
movie_svc movies and genres; without an entity both are merged here, newest first."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cinemapb.audit.v1 import audit_pb2
from gateway.convert import paginated
from gateway.deps import AsAdmin, Clients, Metadata, Page
from gateway.errors import ApiError
from gateway.openapi import ADMIN_ONLY, error_responses
from gateway.schemas import IdFilter, Paginated
from svckit.paging import MAX_PAGE_SIZE
from svckit.protoconv import from_timestamp

router = APIRouter(prefix="/api", tags=["audit"])

Entity = Literal["hall", "seat", "session", "movie", "genre"]
CINEMA_ENTITIES = ("hall", "seat", "session")
ListAudit = Callable[..., Awaitable[audit_pb2.ListAuditResponse]]


class AuditEntryOut(BaseModel):
    id: str = Field(description="the entry's id, prefixed by the service that keeps it")
    user_id: int = Field(description="who made the change")
    time: datetime
    entity: Entity
    entity_id: int
    action: Literal["created", "updated", "deleted"]
    changes: dict[str, Any] = Field(description="the fields the change set")


def entry_out(service: str, entry: audit_pb2.AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=f"{service}:{entry.id}",
        user_id=entry.user_id,
        time=from_timestamp(entry.time),
        entity=entry.entity,
        entity_id=entry.entity_id,
        action=entry.action,
        changes=json.loads(entry.changes_json),
    )


async def newest(
    service: str,
    list_audit: ListAudit,
    metadata: Metadata,
    request: audit_pb2.ListAuditRequest,
    count: int,
) -> tuple[list[AuditEntryOut], int]:
    """The `count` newest entries of a service (fewer if it has fewer), and its total."""
    entries: list[AuditEntryOut] = []
    total = count
    page = 1
    while len(entries) < min(count, total):
        request.page, request.page_size = page, MAX_PAGE_SIZE
        reply = await list_audit(request, metadata=metadata)
        entries += [entry_out(service, e) for e in reply.items]
        total = reply.total
        if not reply.items:
            break
        page += 1
    return entries[:count], total


@router.get(
    "/audit",
    response_model=Paginated[AuditEntryOut],
    summary="Who changed which hall, seat, session, movie or genre, and when (admin), newest first",
    responses=error_responses(*ADMIN_ONLY),
)
async def list_audit(
    page: Page,
    metadata: AsAdmin,
    clients: Clients,
    entity: Entity | None = None,
    entity_id: Annotated[
        IdFilter, Query(alias="id", description="one entity (with entity)")
    ] = None,
) -> Paginated[AuditEntryOut]:
    if entity_id is not None and entity is None:
        raise ApiError(422, "id needs entity", "validation_error")
    sources: list[tuple[str, ListAudit]] = []
    if entity is None or entity in CINEMA_ENTITIES:
        sources.append(("cinema", clients.cinema.ListAudit))
    if entity is None or entity not in CINEMA_ENTITIES:
        sources.append(("movie", clients.movies.ListAudit))
    request = audit_pb2.ListAuditRequest(entity=entity or "")
    if entity_id is not None:
        request.entity_id = entity_id
    if len(sources) == 1:
        service, call = sources[0]
        request.page, request.page_size = page.page, page.page_size
        reply = await call(request, metadata=metadata)
        return paginated([entry_out(service, e) for e in reply.items], reply.total, page)
    wanted = page.page * page.page_size
    merged: list[AuditEntryOut] = []
    total = 0
    for service, call in sources:
        entries, count = await newest(service, call, metadata, audit_pb2.ListAuditRequest(), wanted)
        merged += entries
        total += count
    merged.sort(key=lambda e: (e.time, e.id), reverse=True)
    offset = (page.page - 1) * page.page_size
    return paginated(merged[offset : offset + page.page_size], total, page)
