"""Session (showtime) use cases; overlaps are refused by the database, not by a prior check."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cinema_svc import repository
from cinema_svc.domain import (
    DEFAULT_BASE_PRICE_CENTS,
    Clock,
    SessionDraft,
    check_cancellable,
    check_changeable,
    check_session_draft,
)
from cinema_svc.events import SessionEvents
from cinema_svc.halls import hall_not_found
from cinema_svc.models import Session
from cinema_svc.movies import MovieCatalogue
from cinema_svc.repository import Seating, SessionFilter
from svckit.audit import AuditTrail
from svckit.db import reading
from svckit.errors import Conflict, NotFound
from svckit.paging import PageRequest


def session_not_found(session_id: int) -> NotFound:
    return NotFound(f"session {session_id} not found", code="session_not_found")


@contextmanager
def _constraint_errors(hall_id: int) -> Iterator[None]:
    """Turns the constraints a session write can violate into domain errors."""
    try:
        yield
    except IntegrityError as error:
        constraint = repository.violated_constraint(error)
        if constraint == repository.SESSION_OVERLAP:
            raise Conflict(
                "the hall has another session at that time",
                code="session_overlap",
                details={"hall_id": hall_id},
            ) from error
        if constraint == repository.SESSION_HALL_FK:
            raise hall_not_found(hall_id) from error
        raise


def _audited(session: Session) -> dict[str, object]:
    """A session's fields as its audit entry keeps them."""
    return {
        "movie_id": session.movie_id,
        "hall_id": session.hall_id,
        "start_time": session.start_time.isoformat(),
        "end_time": session.end_time.isoformat(),
        "base_price_cents": session.base_price_cents,
        "seat_prices": dict(session.seat_prices),
    }


class Schedule:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        events: SessionEvents,
        movies: MovieCatalogue,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.events = events
        self.movies = movies
        self.clock = clock
        self.audit = audit

    async def list(self, where: SessionFilter, page: PageRequest) -> tuple[Sequence[Session], int]:
        async with reading(self.sessionmaker) as db:
            return await repository.list_sessions(db, where, page)

    async def get(self, session_id: int) -> Session:
        async with reading(self.sessionmaker) as db:
            session = await repository.get_session(db, session_id)
        if session is None:
            raise session_not_found(session_id)
        return session

    async def seating(self, session_id: int) -> Seating:
        async with reading(self.sessionmaker) as db:
            seating = await repository.session_seating(db, session_id)
        if seating is None:
            raise session_not_found(session_id)
        return seating

    async def create(self, draft: SessionDraft) -> Session:
        """A base price of 0 means the default price."""
        if draft.base_price_cents == 0:
            draft = replace(draft, base_price_cents=DEFAULT_BASE_PRICE_CENTS)
        now = self.clock()
        check_session_draft(draft, now)
        await self._require_movie(draft.movie_id)
        with _constraint_errors(draft.hall_id):
            async with self.sessionmaker.begin() as db:
                session = await repository.add_session(
                    db,
                    Session(
                        movie_id=draft.movie_id,
                        hall_id=draft.hall_id,
                        start_time=draft.start_time,
                        end_time=draft.end_time,
                        base_price_cents=draft.base_price_cents,
                        seat_prices=dict((draft.seat_prices or {}).items()),
                        status="scheduled",
                    ),
                )
                await self.audit.record(db, "session", session.id, "created", _audited(session))
                await self.events.changed(db, [session], now)
                return session

    async def update(self, session_id: int, draft: SessionDraft) -> Session:
        """Changes a session that has not started; a base price of 0 keeps the current one, and
        no seat type prices keep the current ones (new holds pay the new prices, bookings keep
        theirs)."""
        now = self.clock()
        current = await self.get(session_id)
        check_changeable(current.status, current.start_time, now)
        if draft.base_price_cents == 0:
            draft = replace(draft, base_price_cents=current.base_price_cents)
        check_session_draft(draft, now)
        if draft.movie_id != current.movie_id:
            await self._require_movie(draft.movie_id)
        with _constraint_errors(draft.hall_id):
            async with self.sessionmaker.begin() as db:
                session = await repository.get_session(db, session_id, for_update=True)
                if session is None:
                    raise session_not_found(session_id)
                check_changeable(session.status, session.start_time, now)
                session.movie_id = draft.movie_id
                session.hall_id = draft.hall_id
                session.start_time = draft.start_time
                session.end_time = draft.end_time
                session.base_price_cents = draft.base_price_cents
                if draft.seat_prices is not None:
                    session.seat_prices = dict(draft.seat_prices.items())
                await db.flush()
                await self.audit.record(db, "session", session.id, "updated", _audited(session))
                await self.events.changed(db, [session], now)
                return session

    async def cancel(self, session_id: int) -> None:
        """Cancels a session that is not over; cancelling it again changes nothing."""
        now = self.clock()
        async with self.sessionmaker.begin() as db:
            session = await repository.get_session(db, session_id, for_update=True)
            if session is None:
                raise session_not_found(session_id)
            if session.status == "cancelled":
                return
            check_cancellable(session.end_time, now)
            session.status = "cancelled"
            await db.flush()
            await self.audit.record(db, "session", session_id, "deleted", {"status": "cancelled"})
            await self.events.changed(db, [session], now)

    async def _require_movie(self, movie_id: int) -> None:
        if not await self.movies.exists(movie_id):
            raise NotFound(f"movie {movie_id} not found", code="movie_not_found")
