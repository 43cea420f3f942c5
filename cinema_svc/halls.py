"""Hall and seat use cases: each one transaction, with events for the sessions it affects."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cinema_svc import repository
from cinema_svc.domain import Clock, check_hall, check_seat_position, hall_layout
from cinema_svc.events import SessionEvents
from cinema_svc.models import Hall, Seat
from svckit.errors import AlreadyExists, Conflict, NotFound
from svckit.paging import PageRequest
from svckit.vocabulary import SeatType


def hall_not_found(hall_id: int) -> NotFound:
    return NotFound(f"hall {hall_id} not found", code="hall_not_found")


def seat_not_found(seat_id: int) -> NotFound:
    return NotFound(f"seat {seat_id} not found", code="seat_not_found")


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
        self, sessionmaker: async_sessionmaker[AsyncSession], events: SessionEvents, clock: Clock
    ) -> None:
        self.sessionmaker = sessionmaker
        self.events = events
        self.clock = clock

    async def list(self, page: PageRequest) -> tuple[Sequence[Hall], int]:
        async with self.sessionmaker() as db:
            return await repository.list_halls(db, page)

    async def get(self, hall_id: int) -> Hall:
        async with self.sessionmaker() as db:
            hall = await repository.get_hall(db, hall_id)
        if hall is None:
            raise hall_not_found(hall_id)
        return hall

    async def create(self, number: int, name: str, rows: int, seats_per_row: int) -> Hall:
        check_hall(number, name)
        positions = hall_layout(rows, seats_per_row)
        with _constraint_errors(0):
            async with self.sessionmaker.begin() as db:
                return await repository.add_hall(db, number, name, positions)

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
                await self._announce(db, hall_id)
                return hall

    async def delete(self, hall_id: int) -> None:
        with _constraint_errors(hall_id):
            async with self.sessionmaker.begin() as db:
                if not await repository.delete_hall(db, hall_id):
                    raise hall_not_found(hall_id)

    async def add_seat(self, hall_id: int, row: int, number: int, seat_type: SeatType) -> Seat:
        check_seat_position(row, number)
        with _constraint_errors(hall_id):
            async with self.sessionmaker.begin() as db:
                seat = await repository.add_seat(db, hall_id, row, number, seat_type)
                await self._announce(db, hall_id)
                return seat

    async def update_seat(self, seat_id: int, row: int, number: int, seat_type: SeatType) -> Seat:
        check_seat_position(row, number)
        with _constraint_errors(0):
            async with self.sessionmaker.begin() as db:
                seat = await repository.get_seat(db, seat_id)
                if seat is None:
                    raise seat_not_found(seat_id)
                seat.row, seat.number, seat.type = row, number, seat_type
                await db.flush()
                await self._announce(db, seat.hall_id)
                return seat

    async def delete_seat(self, seat_id: int) -> None:
        async with self.sessionmaker.begin() as db:
            hall_id = await repository.delete_seat(db, seat_id)
            if hall_id is None:
                raise seat_not_found(seat_id)
            await self._announce(db, hall_id)

    async def _announce(self, db: AsyncSession, hall_id: int) -> None:
        """Tells booking_svc that the seating of the hall's live sessions changed."""
        now = self.clock()
        await self.events.changed(db, await repository.live_sessions_of_hall(db, hall_id, now), now)
