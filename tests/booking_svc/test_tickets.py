"""Tickets against the real database: issued in the confirming transaction, voided in the
cancelling one, checked in exactly once however many scans race."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.domain import Booking
from booking_svc.service import BookingService
from booking_svc.ticket_repository import TicketRepository
from booking_svc.ticket_rules import TicketStatus
from booking_svc.tickets import TicketDesk
from cinemapb.events.v1 import events_pb2
from svckit.errors import Conflict, InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from svckit.identity import Caller
from tests.booking_svc.conftest import PREFIX, SIGNER

ALICE = Caller(1, "user")
BOB = Caller(2, "user")
STAFF = Caller(50, "staff")
ADMIN = Caller(99, "admin")


@pytest.fixture
def desk(service: BookingService) -> TicketDesk:
    return TicketDesk(service.database, service.events, SIGNER)


async def paid(service: BookingService, seats: list[int], session_id: int = 1) -> Booking:
    held = await service.hold(ALICE, session_id, seats)
    return await service.confirm(ALICE, str(held.id))


async def ticket_rows(engine: AsyncEngine) -> list[tuple[str, int | None]]:
    async with engine.connect() as conn:
        query = text("SELECT status, checked_in_by FROM tickets ORDER BY seat_id")
        return [(row.status, row.checked_in_by) for row in await conn.execute(query)]


async def outbox_of(engine: AsyncEngine, topic: str) -> list[tuple[str, bytes]]:
    async with engine.connect() as conn:
        query = text("SELECT key, payload FROM outbox WHERE topic = :topic ORDER BY id")
        return [(r.key, r.payload) for r in await conn.execute(query, {"topic": PREFIX + topic})]


async def test_a_hold_has_no_tickets_and_its_confirmation_issues_one_per_seat(
    service: BookingService, desk: TicketDesk, engine: AsyncEngine
) -> None:
    held = await service.hold(ALICE, 1, [106, 101])
    assert await desk.of_booking(ALICE, str(held.id)) == []
    await service.confirm(ALICE, str(held.id))
    tickets = await desk.of_booking(ALICE, str(held.id))
    assert [t.seat.seat_id for t in tickets] == [101, 106]
    assert {t.status for t in tickets} == {TicketStatus.VALID}
    assert len({t.id for t in tickets}) == 2
    for ticket in tickets:
        named = SIGNER.verify(SIGNER.code(ticket.id, ticket.session_id))
        assert (named.ticket_id, named.session_id) == (ticket.id, 1)
    [(key, payload)] = await outbox_of(engine, "booking.confirmed")
    confirmed = events_pb2.BookingEvent.FromString(payload)
    assert key == "1"
    assert [(t.id, t.seat.seat_id) for t in confirmed.tickets] == [
        (str(t.id), t.seat.seat_id) for t in tickets
    ]
    assert [t.code for t in confirmed.tickets] == [SIGNER.code(t.id, 1) for t in tickets]


async def test_tickets_are_their_owners_or_an_admins_to_list(
    service: BookingService, desk: TicketDesk
) -> None:
    booking = await paid(service, [101])
    assert len(await desk.of_booking(ADMIN, str(booking.id))) == 1
    for stranger in (BOB, STAFF):
        with pytest.raises(NotFound):
            await desk.of_booking(stranger, str(booking.id))
    with pytest.raises(Unauthenticated):
        await desk.of_booking(None, str(booking.id))
    (ticket,) = await desk.of_booking(ALICE, str(booking.id))
    assert (await desk.get(STAFF, str(ticket.id))).id == ticket.id
    with pytest.raises(NotFound):
        await desk.get(BOB, str(ticket.id))
    with pytest.raises(NotFound):
        await desk.get(ALICE, "not-a-ticket")


async def test_cancelling_a_paid_booking_voids_its_tickets(
    service: BookingService, desk: TicketDesk, engine: AsyncEngine
) -> None:
    booking = await paid(service, [101, 102])
    other = await paid(service, [103])
    (ticket, _) = await desk.of_booking(ALICE, str(booking.id))
    await service.cancel(ALICE, str(booking.id))
    assert await ticket_rows(engine) == [("void", None), ("void", None), ("valid", None)]
    code = SIGNER.code(ticket.id, 1)
    with pytest.raises(Conflict) as refused:
        await desk.check_in(STAFF, code)
    assert refused.value.code == "ticket_void"
    assert len(await desk.of_booking(ALICE, str(other.id))) == 1


async def test_seats_a_booking_gives_back_lose_their_tickets_alone(
    service: BookingService, desk: TicketDesk, engine: AsyncEngine
) -> None:
    booking = await paid(service, [101, 102, 103])
    async with service.database.begin() as db:
        assert await TicketRepository(db).void_seats(booking.id, [101, 103]) == 2
        assert await TicketRepository(db).void_seats(booking.id, []) == 0
    assert await ticket_rows(engine) == [("void", None), ("valid", None), ("void", None)]


async def test_a_cancelled_session_voids_its_tickets(
    service: BookingService, engine: AsyncEngine
) -> None:
    await paid(service, [101])
    await service.cancel_session(1)
    assert await ticket_rows(engine) == [("void", None)]


async def test_fifty_concurrent_check_ins_of_one_code_admit_it_once(
    service: BookingService, desk: TicketDesk, engine: AsyncEngine
) -> None:
    booking = await paid(service, [101])
    (ticket,) = await desk.of_booking(ALICE, str(booking.id))
    code = SIGNER.code(ticket.id, 1)
    outcomes = await asyncio.gather(
        *(desk.check_in(Caller(1000 + n, "staff"), code, 1) for n in range(50)),
        return_exceptions=True,
    )
    admitted = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(admitted) == 1
    assert len(refused) == 49
    assert {r.code for r in refused} == {"already_checked_in"}
    (winner,) = admitted
    [(status, by)] = await ticket_rows(engine)
    assert (status, by) == ("used", winner.checked_in_by)
    assert {r.details["checked_in_by"] for r in refused} == {by}
    [(key, payload)] = await outbox_of(engine, "ticket.checked-in")
    event = events_pb2.TicketCheckedIn.FromString(payload)
    assert key == "1"
    assert (event.ticket_id, event.checked_in_by, event.seat.seat_id) == (str(ticket.id), by, 101)
    assert event.user_id == ALICE.user_id


async def test_check_in_refuses_forged_codes_other_sessions_and_ended_sessions(
    service: BookingService, desk: TicketDesk, engine: AsyncEngine
) -> None:
    booking = await paid(service, [101])
    (ticket,) = await desk.of_booking(ALICE, str(booking.id))
    code = SIGNER.code(ticket.id, 1)
    forged = code[:30] + ("A" if code[30] != "A" else "B") + code[31:]
    with pytest.raises(InvalidArgument) as invalid:
        await desk.check_in(STAFF, forged)
    assert invalid.value.code == "invalid_ticket"
    with pytest.raises(Conflict) as elsewhere:
        await desk.check_in(STAFF, code, session_id=2)
    assert elsewhere.value.code == "wrong_session"
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE bookings SET session_ends_at = now() - interval '1 s'"))
    with pytest.raises(Conflict) as over:
        await desk.check_in(STAFF, code, session_id=1)
    assert over.value.code == "session_finished"
    assert await ticket_rows(engine) == [("valid", None)]
    assert await outbox_of(engine, "ticket.checked-in") == []


async def test_only_staff_and_admins_check_in(service: BookingService, desk: TicketDesk) -> None:
    booking = await paid(service, [101, 102])
    first, second = await desk.of_booking(ALICE, str(booking.id))
    with pytest.raises(Unauthenticated):
        await desk.check_in(None, SIGNER.code(first.id, 1))
    with pytest.raises(PermissionDenied):
        await desk.check_in(ALICE, SIGNER.code(first.id, 1))
    assert (await desk.check_in(STAFF, SIGNER.code(first.id, 1))).status is TicketStatus.USED
    assert (await desk.check_in(ADMIN, SIGNER.code(second.id, 1))).checked_in_by == ADMIN.user_id
