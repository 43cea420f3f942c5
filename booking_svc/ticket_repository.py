"""Tickets in storage: issue for a confirmed booking, void for ended ones, check in, and reads.

Each method runs its statement (booking_svc.statements) inside the caller's
transaction, and answers in ticket values.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncConnection

from booking_svc import statements as sql
from booking_svc.domain import SeatInfo
from booking_svc.ticket_rules import Ticket, TicketStatus


def _ticket(row: Row[*tuple[Any, ...]]) -> Ticket:
    """A Ticket from a row of statements.TICKET_COLUMNS, user_id, then SEAT_COLUMNS."""
    id_, booking_id, session_id, status, checked_in_at, checked_in_by, user_id, *seat = row
    return Ticket(
        id=id_,
        booking_id=booking_id,
        user_id=user_id,
        session_id=session_id,
        seat=SeatInfo(*seat),
        status=TicketStatus(status),
        checked_in_at=checked_in_at,
        checked_in_by=checked_in_by,
    )


class TicketRepository:
    def __init__(self, db: AsyncConnection) -> None:
        self.db = db

    async def _tickets(self, query: Select[Any]) -> list[Ticket]:
        return [_ticket(row) for row in await self.db.execute(query)]

    async def issue(self, booking_id: uuid.UUID) -> list[Ticket]:
        """One valid ticket per seat of a booking just confirmed, in its transaction."""
        return await self._tickets(sql.issue_tickets(booking_id))

    async def void(self, booking_ids: Sequence[uuid.UUID]) -> int:
        """Voids the tickets of bookings just ended, in their transaction; how many."""
        if not booking_ids:
            return 0
        return len((await self.db.execute(sql.void_tickets(booking_ids))).all())

    async def void_seats(self, booking_id: uuid.UUID, seat_ids: Sequence[int]) -> int:
        """Voids the tickets of seats a booking just gave back, in that transaction; how many."""
        if not seat_ids:
            return 0
        return len((await self.db.execute(sql.void_tickets([booking_id], seat_ids))).all())

    async def check_in(self, ticket_id: uuid.UUID, staff_id: int) -> Ticket | None:
        """The ticket, now used, if it was valid and its session is not over; else None."""
        checked = await self._tickets(sql.check_in(ticket_id, staff_id))
        return checked[0] if checked else None

    async def get(self, ticket_id: uuid.UUID) -> Ticket | None:
        found = await self._tickets(sql.ticket(ticket_id))
        return found[0] if found else None

    async def of_booking(self, booking_id: uuid.UUID) -> list[Ticket]:
        """A booking's tickets by row and seat number."""
        return await self._tickets(sql.tickets_of(booking_id))
