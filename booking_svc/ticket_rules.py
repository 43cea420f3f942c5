"""Ticket rules without I/O: a ticket's states, who may see one, and why a check-in is refused."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from booking_svc.domain import SeatInfo, Status
from svckit.errors import Conflict, NotFound
from svckit.identity import Caller


class TicketStatus(StrEnum):
    VALID = "valid"
    USED = "used"
    VOID = "void"


TICKETED = Status.CONFIRMED
"""The booking status that issues tickets (one per seat, in the confirming transaction)."""


@dataclass(frozen=True)
class Ticket:
    id: uuid.UUID
    booking_id: uuid.UUID
    user_id: int
    """The booking's owner."""
    session_id: int
    seat: SeatInfo
    status: TicketStatus
    checked_in_at: datetime | None = None
    checked_in_by: int | None = None


def may_see(caller: Caller, ticket: Ticket) -> bool:
    """A ticket is its owner's; staff (at the door) and admins may see any."""
    return ticket.user_id == caller.user_id or caller.is_staff


def ticket_not_found(ticket_id: str) -> NotFound:
    return NotFound(f"ticket {ticket_id} not found", code="ticket_not_found")


def wrong_session(ticket_session: int, door_session: int) -> Conflict:
    return Conflict(
        f"this ticket is for session {ticket_session}, not {door_session}",
        code="wrong_session",
        details={"ticket_session_id": ticket_session, "session_id": door_session},
    )


def refuse_check_in(ticket: Ticket) -> Conflict:
    """Why a genuine ticket of the right session was not admitted."""
    if ticket.status is TicketStatus.USED:
        assert ticket.checked_in_at is not None
        return Conflict(
            f"already checked in at {ticket.checked_in_at.isoformat()}",
            code="already_checked_in",
            details={
                "checked_in_at": ticket.checked_in_at.isoformat(),
                "checked_in_by": ticket.checked_in_by,
            },
        )
    if ticket.status is TicketStatus.VOID:
        return Conflict("this ticket is void: its booking was cancelled", code="ticket_void")
    return Conflict("the session is over", code="session_finished")
