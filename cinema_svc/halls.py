"""Hall and seat use cases: each one transaction, with events for the sessions it affects and
an audit entry for every change.

A seat with live bookings in a session that is not over is never retyped, moved or removed:
booking_svc says which seats those are before the change (LiveBookings).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cinema_svc import repository
from cinema_svc.bookings import BookedSeats, LiveBookings
from cinema_svc.domain import Clock, check_hall, check_seat_position, hall_layout
from cinema_svc.events import SessionEvents
from cinema_svc.models import Hall, Seat
from svckit.audit import AuditAction, AuditTrail
from svckit.db import reading
from svckit.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from svckit.paging import PageRequest
from svckit.vocabulary import SeatType

MAX_LAYOUT_CHANGES = 3000
"""Most seats one layout edit may add, retype and remove together (a whole big hall)."""


def hall_not_found(hall_id: int) -> NotFound:
    return NotFound(f"hall {hall_id} not found", code="hall_not_found")


def seat_not_found(seat_id: int) -> NotFound:
    return NotFound(f"seat {seat_id} not found", code="seat_not_found")


def seats_booked(booked: Sequence[BookedSeats]) -> Conflict:
    """The refusal to change seats that live bookings hold, naming the sessions."""
    seat_ids = sorted({seat_id for session in booked for seat_id in session.seat_ids})
    named = ", ".join(f"session {s.session_id} at {s.starts_at:%Y-%m-%d %H:%M} UTC" for s in booked)
    return Conflict(
        f"seats {', '.join(map(str, seat_ids))} have live bookings in {named}",
        code="seats_booked",
        details={
            "seat_ids": seat_ids,
            "sessions": [
                {
                    "session_id": s.session_id,
                    "start_time": s.starts_at.isoformat(),
                    "seat_ids": list(s.seat_ids),
                }
                for s in booked
            ],
        },
    )


@dataclass(frozen=True)
class NewSeat:
    row: int
    number: int
    type: SeatType


@dataclass(frozen=True)
class LayoutEdit:
    """One atomic change of a hall: a new name (None keeps it) and seats added, retyped, removed."""

    name: str | None
    add: Sequence[NewSeat]
    retype: dict[int, SeatType]
    remove: frozenset[int]

    def check(self) -> None:
        if len(self.add) + len(self.retype) + len(self.remove) > MAX_LAYOUT_CHANGES:
            raise InvalidArgument(
                f"at most {MAX_LAYOUT_CHANGES} seat changes at once", code="invalid_layout"
            )
        if both := sorted(self.remove & self.retype.keys()):
            raise InvalidArgument(
                f"seats {', '.join(map(str, both))} are both retyped and removed",
                code="invalid_layout",
            )
        for seat in self.add:
            check_seat_position(seat.row, seat.number)


@contextmanager
def _constraint_errors(hall_id: int) -> Iterator[None]:
    """Turns the constraints a hall or seat write can violate into domain errors."""
    try:
        yield
    except IntegrityError as error:
        constraint = repository.violated_constraint(error)
        if constraint == repository.HALL_NUMBER_UNIQUE:
            raise AlreadyExists("a hall with this number exists", code="hall_exists") from error
        if constraint == repository.SEAT_POSITION_UNIQUE:
            raise AlreadyExists(
                "this hall already has a seat at that place", code="seat_exists"
            ) from error
        if constraint == repository.SEAT_HALL_FK:
            raise hall_not_found(hall_id) from error
        if constraint == repository.SESSION_HALL_FK:
            raise Conflict("the hall has sessions", code="hall_in_use") from error
        raise


class Halls:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        events: SessionEvents,
        clock: Clock,
        bookings: LiveBookings,
        audit: AuditTrail,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.events = events
        self.clock = clock
        self.bookings = bookings
        self.audit = audit

    async def list(self, page: PageRequest) -> tuple[Sequence[Hall], int]:
        async with reading(self.sessionmaker) as db:
            return await repository.list_halls(db, page)

    async def get(self, hall_id: int) -> Hall:
        async with reading(self.sessionmaker) as db:
            hall = await repository.get_hall(db, hall_id)
        if hall is None:
            raise hall_not_found(hall_id)
        return hall

    async def create(self, number: int, name: str, rows: int, seats_per_row: int) -> Hall:
        check_hall(number, name)
        positions = hall_layout(rows, seats_per_row)
        with _constraint_errors(0):
            async with self.sessionmaker.begin() as db:
                hall = await repository.add_hall(db, number, name, positions)
                await self.audit.record(
                    db,
                    "hall",
                    hall.id,
                    "created",
                    {"number": number, "name": name, "rows": rows, "seats_per_row": seats_per_row},
                )
                return hall

    async def update(self, hall_id: int, number: int, name: str) -> Hall:
        """Renumbers or renames a hall; its live sessions announce the new name."""
        check_hall(number, name)
        with _constraint_errors(hall_id):
            async with self.sessionmaker.begin() as db:
                hall = await repository.get_hall(db, hall_id)
                if hall is None:
                    raise hall_not_found(hall_id)
                hall.number, hall.name = number, name
                await db.flush()
                await self.audit.record(
                    db, "hall", hall_id, "updated", {"number": number, "name": name}
                )
                await self._announce(db, hall_id)
                return hall

    async def delete(self, hall_id: int) -> None:
        with _constraint_errors(hall_id):
            async with self.sessionmaker.begin() as db:
                if not await repository.delete_hall(db, hall_id):
                    raise hall_not_found(hall_id)
                await self.audit.record(db, "hall", hall_id, "deleted", {})

    async def add_seat(self, hall_id: int, row: int, number: int, seat_type: SeatType) -> Seat:
        check_seat_position(row, number)
        with _constraint_errors(hall_id):
            async with self.sessionmaker.begin() as db:
                seat = await repository.add_seat(db, hall_id, row, number, seat_type)
                await self._record_seat(db, seat, "created")
                await self._announce(db, hall_id)
                return seat

    async def update_seat(self, seat_id: int, row: int, number: int, seat_type: SeatType) -> Seat:
        """Moves or retypes a seat, unless live bookings hold it."""
        check_seat_position(row, number)
        with _constraint_errors(0):
            async with self.sessionmaker.begin() as db:
                seat = await repository.get_seat(db, seat_id)
                if seat is None:
                    raise seat_not_found(seat_id)
                await self._refuse_booked(db, seat.hall_id, [seat_id])
                seat.row, seat.number, seat.type = row, number, seat_type
                await db.flush()
                await self._record_seat(db, seat, "updated")
                await self._announce(db, seat.hall_id)
                return seat

    async def delete_seat(self, seat_id: int) -> None:
        """Removes a seat, unless live bookings hold it."""
        async with self.sessionmaker.begin() as db:
            seat = await repository.get_seat(db, seat_id)
            if seat is None:
                raise seat_not_found(seat_id)
            await self._refuse_booked(db, seat.hall_id, [seat_id])
            hall_id = await repository.delete_seat(db, seat_id)
            if hall_id is None:
                raise seat_not_found(seat_id)
            await self.audit.record(db, "seat", seat_id, "deleted", {"hall_id": hall_id})
            await self._announce(db, hall_id)

    async def edit_layout(self, hall_id: int, edit: LayoutEdit) -> Hall:
        """Renames the hall and removes, retypes and adds seats, all or nothing. Seats to retype
        or remove must be the hall's, and free of live bookings (asked while the hall is locked,
        so concurrent edits of one hall take turns)."""
        edit.check()
        if edit.name is not None:
            check_hall(1, edit.name)
        with _constraint_errors(hall_id):
            async with self.sessionmaker.begin() as db:
                hall = await repository.lock_hall(db, hall_id)
                if hall is None:
                    raise hall_not_found(hall_id)
                seats = {seat.id: seat for seat in hall.seats}
                if strangers := sorted((edit.remove | edit.retype.keys()) - seats.keys()):
                    raise NotFound(
                        f"seats {', '.join(map(str, strangers))} are not in hall {hall_id}",
                        code="seat_not_found",
                        details={"seat_ids": strangers},
                    )
                retyped = {i: t for i, t in edit.retype.items() if seats[i].type != t}
                await self._refuse_booked(db, hall_id, sorted(edit.remove | retyped.keys()))
                await self._apply(db, hall, edit, retyped)
                await self._announce(db, hall_id)
        return await self.get(hall_id)

    async def _apply(
        self, db: AsyncSession, hall: Hall, edit: LayoutEdit, retyped: dict[int, SeatType]
    ) -> None:
        """Removals first, so a seat may be added where one was removed."""
        if edit.name is not None and edit.name != hall.name:
            hall.name = edit.name
            await self.audit.record(db, "hall", hall.id, "updated", {"name": edit.name})
        removed = await repository.delete_seats(db, hall.id, edit.remove)
        for seat_id in removed:
            await self.audit.record(db, "seat", seat_id, "deleted", {"hall_id": hall.id})
        for seat_id, seat_type in retyped.items():
            await repository.retype_seat(db, seat_id, seat_type)
            await self.audit.record(db, "seat", seat_id, "updated", {"type": seat_type})
        for new in edit.add:
            seat = await repository.add_seat(db, hall.id, new.row, new.number, new.type)
            await self._record_seat(db, seat, "created")
        await db.flush()

    async def _record_seat(self, db: AsyncSession, seat: Seat, action: AuditAction) -> None:
        changes = {"hall_id": seat.hall_id, "row": seat.row, "number": seat.number}
        await self.audit.record(db, "seat", seat.id, action, changes | {"type": seat.type})

    async def _refuse_booked(self, db: AsyncSession, hall_id: int, seat_ids: Sequence[int]) -> None:
        """Refuses the change when live bookings hold any of these seats. A hall without a
        session that is not over has none, so booking_svc is asked only when one exists (a new
        hall is laid out without it)."""
        if not seat_ids or not await repository.live_sessions_of_hall(db, hall_id, self.clock()):
            return
        if booked := await self.bookings.seats_booked(seat_ids):
            raise seats_booked(booked)

    async def _announce(self, db: AsyncSession, hall_id: int) -> None:
        """Tells booking_svc that the seating of the hall's live sessions changed."""
        now = self.clock()
        await self.events.changed(db, await repository.live_sessions_of_hall(db, hall_id, now), now)
