"""SQL for halls, seats and sessions; every function works inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cinema_svc.models import Hall, Seat, Session
from svckit.paging import PageRequest

HALL_NUMBER_UNIQUE = "uq_halls_number"
SEAT_POSITION_UNIQUE = "uq_seats_hall_id_row_number"
SEAT_HALL_FK = "fk_seats_hall_id_halls"
SESSION_HALL_FK = "fk_sessions_hall_id_halls"
SESSION_OVERLAP = "ex_sessions_hall_overlap"


@dataclass(frozen=True)
class SessionFilter:
    movie_id: int | None = None
    hall_id: int | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Seating:
    """A session, its hall's name and every seat of that hall."""

    session: Session
    hall_name: str
    seats: Sequence[Seat]


def violated_constraint(error: IntegrityError) -> str:
    """The name of the constraint PostgreSQL reported, or '' if it named none."""
    diag = getattr(error.orig, "diag", None)
    return str(getattr(diag, "constraint_name", None) or "")


async def count(db: AsyncSession, query: Select[Any]) -> int:
    total = await db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return int(total or 0)


async def list_halls(db: AsyncSession, page: PageRequest) -> tuple[Sequence[Hall], int]:
    query = select(Hall)
    rows = await db.scalars(query.order_by(Hall.number).offset(page.offset).limit(page.page_size))
    return rows.all(), await count(db, query)


async def get_hall(db: AsyncSession, hall_id: int) -> Hall | None:
    return await db.get(Hall, hall_id)


async def add_hall(
    db: AsyncSession, number: int, name: str, positions: Sequence[tuple[int, int]]
) -> Hall:
    hall = Hall(
        number=number,
        name=name,
        seats=[Seat(row=row, number=seat, type="standard") for row, seat in positions],
    )
    db.add(hall)
    await db.flush()
    return hall


async def lock_hall(db: AsyncSession, hall_id: int) -> Hall | None:
    """The hall, locked until the transaction ends: layout edits of one hall take turns."""
    return await db.scalar(select(Hall).where(Hall.id == hall_id).with_for_update())


async def delete_seats(db: AsyncSession, hall_id: int, seat_ids: Iterable[int]) -> list[int]:
    """Deletes these seats of the hall; returns the ids deleted, ascending."""
    ids = sorted(seat_ids)
    if not ids:
        return []
    deleted = await db.scalars(
        delete(Seat).where(Seat.hall_id == hall_id, Seat.id.in_(ids)).returning(Seat.id)
    )
    return sorted(deleted.all())


async def retype_seat(db: AsyncSession, seat_id: int, seat_type: str) -> None:
    await db.execute(update(Seat).where(Seat.id == seat_id).values(type=seat_type))


async def delete_hall(db: AsyncSession, hall_id: int) -> bool:
    deleted = await db.scalar(delete(Hall).where(Hall.id == hall_id).returning(Hall.id))
    return deleted is not None


async def get_seat(db: AsyncSession, seat_id: int) -> Seat | None:
    return await db.get(Seat, seat_id)


async def add_seat(db: AsyncSession, hall_id: int, row: int, number: int, seat_type: str) -> Seat:
    seat = Seat(hall_id=hall_id, row=row, number=number, type=seat_type)
    db.add(seat)
    await db.flush()
    return seat


async def delete_seat(db: AsyncSession, seat_id: int) -> int | None:
    """Deletes a seat; returns the id of its hall, or None when there was no such seat."""
    hall_id = await db.scalar(delete(Seat).where(Seat.id == seat_id).returning(Seat.hall_id))
    return None if hall_id is None else int(hall_id)


async def list_sessions(
    db: AsyncSession, where: SessionFilter, page: PageRequest
) -> tuple[Sequence[Session], int]:
    query = select(Session)
    if where.movie_id is not None:
        query = query.where(Session.movie_id == where.movie_id)
    if where.hall_id is not None:
        query = query.where(Session.hall_id == where.hall_id)
    if where.starts_from is not None:
        query = query.where(Session.start_time >= where.starts_from)
    if where.starts_before is not None:
        query = query.where(Session.start_time < where.starts_before)
    if where.ids:
        query = query.where(Session.id.in_(where.ids))
    rows = await db.scalars(
        query.order_by(Session.start_time, Session.id).offset(page.offset).limit(page.page_size)
    )
    return rows.all(), await count(db, query)


async def get_session(
    db: AsyncSession, session_id: int, *, for_update: bool = False
) -> Session | None:
    query = select(Session).where(Session.id == session_id)
    if for_update:
        query = query.with_for_update()
    return await db.scalar(query)


async def add_session(db: AsyncSession, session: Session) -> Session:
    db.add(session)
    await db.flush()
    return session


async def live_sessions_of_hall(db: AsyncSession, hall_id: int, now: datetime) -> Sequence[Session]:
    """Sessions of the hall that are not cancelled and not over yet."""
    rows = await db.scalars(
        select(Session)
        .where(Session.hall_id == hall_id, Session.status != "cancelled", Session.end_time > now)
        .order_by(Session.start_time)
    )
    return rows.all()


async def session_seating(db: AsyncSession, session_id: int) -> Seating | None:
    """Two queries: the session with its hall's name, then the hall's seats."""
    found = (
        await db.execute(
            select(Session, Hall.name)
            .join(Hall, Hall.id == Session.hall_id)
            .where(Session.id == session_id)
        )
    ).first()
    if found is None:
        return None
    session, hall_name = found
    seats = await db.scalars(
        select(Seat).where(Seat.hall_id == session.hall_id).order_by(Seat.row, Seat.number)
    )
    return Seating(session=session, hall_name=hall_name, seats=seats.all())
