"""The waiting list's storage in intents, inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from booking_svc.waitlist import statements as sql
from booking_svc.waitlist.rules import Entry, EntryStatus


def _entry(row: Row[Any]) -> Entry:
    m = row._mapping
    return Entry(
        id=m["id"],
        user_id=m["user_id"],
        session_id=m["session_id"],
        count=m["seat_count"],
        together=m["together"],
        status=EntryStatus(m["status"]),
        booking_id=m["booking_id"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


class WaitlistRepository:
    def __init__(self, db: AsyncConnection) -> None:
        self.db = db

    async def join(
        self, user_id: int, session_id: int, count: int, together: bool, starts_at: datetime
    ) -> Entry | None:
        """A new waiting entry; None when the user already waits for this session."""
        statement = sql.join(user_id, session_id, count, together, starts_at)
        row = (await self.db.execute(statement)).one_or_none()
        return None if row is None else _entry(row)

    async def get(self, entry_id: int) -> Entry | None:
        row = (await self.db.execute(sql.entry(entry_id))).one_or_none()
        return None if row is None else _entry(row)

    async def of_user(self, user_id: int) -> list[Entry]:
        return [_entry(row) for row in await self.db.execute(sql.of_user(user_id))]

    async def leave(self, entry_id: int, user_id: int) -> Entry | None:
        row = (await self.db.execute(sql.leave(entry_id, user_id))).one_or_none()
        return None if row is None else _entry(row)

    async def lock_waiting(self, session_id: int) -> list[Entry]:
        """Takes the session's serving lock, then its waiting entries, oldest first."""
        await self.db.execute(sql.lock_serving(session_id))
        return [_entry(row) for row in await self.db.execute(sql.waiting_of(session_id))]

    async def served(self, entry_id: int, booking_id: uuid.UUID) -> None:
        await self.db.execute(sql.served(entry_id, booking_id))

    async def end_waiting(self, session_id: int | None = None) -> int:
        return len((await self.db.execute(sql.end_waiting(session_id))).all())

    async def move_session(self, session_id: int, starts_at: datetime) -> None:
        await self.db.execute(sql.move_session(session_id, starts_at))

    async def sessions_waiting(self) -> list[int]:
        return list(await self.db.scalars(sql.SESSIONS_WAITING))

    async def waiting_among(self, session_ids: Iterable[int]) -> set[int]:
        """Which of these sessions have someone waiting."""
        return set(await self.db.scalars(sql.waiting_among(session_ids)))
