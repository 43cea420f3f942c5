"""The ticket use cases: a booking's tickets, one ticket, and the door's check-in.

Tickets are issued and voided by the booking changes themselves (BookingRepository.confirm and
its endings), in their transactions; what is here only reads them or checks one in.
"""

from __future__ import annotations

import logging
import uuid

import prometheus_client as prom
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.domain import booking_not_found, parse_booking_id
from booking_svc.events import BookingEvents
from booking_svc.repository import BookingRepository
from booking_svc.ticket_codes import TicketSigner
from booking_svc.ticket_repository import TicketRepository
from booking_svc.ticket_rules import (
    Ticket,
    may_see,
    refuse_check_in,
    ticket_not_found,
    wrong_session,
)
from svckit.db import reading
from svckit.errors import ServiceError
from svckit.identity import Caller, require_staff, signed_in

log = logging.getLogger(__name__)

CHECK_INS = prom.Counter(
    "booking_ticket_check_ins_total",
    "Check-ins at the door by outcome: admitted, or the error code that refused the ticket.",
    ["outcome"],
)


def parse_ticket_id(raw: str) -> uuid.UUID:
    """A ticket id; anything that is not one names no ticket."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ticket_not_found(raw[:64]) from None


class TicketDesk:
    def __init__(
        self,
        database: AsyncEngine,
        events: BookingEvents,
        signer: TicketSigner,
    ) -> None:
        self.database = database
        self.events = events
        self.signer = signer

    async def of_booking(self, caller: Caller | None, raw_id: str) -> list[Ticket]:
        """The tickets of the caller's booking (an admin: anyone's); none until it is paid."""
        user = signed_in(caller, "sign in to see your tickets")
        booking_id = parse_booking_id(raw_id)
        async with reading(self.database) as db:
            state = await BookingRepository(db).state(booking_id)
            if state is None or (state.user_id != user.user_id and not user.is_admin):
                raise booking_not_found(raw_id)
            return await TicketRepository(db).of_booking(booking_id)

    async def get(self, caller: Caller | None, raw_id: str) -> Ticket:
        """One ticket: the caller's own, or any for staff and admins."""
        user = signed_in(caller, "sign in to see your tickets")
        ticket_id = parse_ticket_id(raw_id)
        async with reading(self.database) as db:
            ticket = await TicketRepository(db).get(ticket_id)
        if ticket is None or not may_see(user, ticket):
            raise ticket_not_found(raw_id)
        return ticket

    async def check_in(self, caller: Caller | None, code: str, session_id: int = 0) -> Ticket:
        """Admits the ticket a code names, once; at a door set to `session_id` (0: any), only
        that session's tickets. Of concurrent check-ins of one ticket exactly one succeeds."""
        staff = require_staff(caller)
        try:
            ticket = await self._check_in(staff, code, session_id)
        except ServiceError as refused:
            CHECK_INS.labels(refused.code).inc()
            raise
        CHECK_INS.labels("admitted").inc()
        log.info(
            "ticket %s checked in",
            ticket.id,
            extra={"fields": {"ticket_id": str(ticket.id), "session_id": ticket.session_id}},
        )
        return ticket

    async def _check_in(self, staff: Caller, code: str, session_id: int) -> Ticket:
        named = self.signer.verify(code)
        if session_id and named.session_id != session_id:
            raise wrong_session(named.session_id, session_id)
        async with self.database.begin() as db:
            tickets = TicketRepository(db)
            checked = await tickets.check_in(named.ticket_id, staff.user_id)
            if checked is None:
                found = await tickets.get(named.ticket_id)
                if found is None:
                    raise ticket_not_found(str(named.ticket_id))
                raise refuse_check_in(found)
            await self.events.checked_in(db, checked)
        return checked
