"""CinemaService over gRPC: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf import empty_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncEngine

from cinema_svc.bookings import LiveBookings
from cinema_svc.convert import (
    hall_pb,
    seat_pb,
    seat_prices_from_pb,
    seat_type_from_pb,
    seating_pb,
    session_pb,
)
from cinema_svc.domain import Clock, SessionDraft, page_request, utc_day
from cinema_svc.events import SessionEvents
from cinema_svc.halls import Halls, LayoutEdit, NewSeat
from cinema_svc.models import audit_log
from cinema_svc.movies import MovieCatalogue
from cinema_svc.repository import SessionFilter
from cinema_svc.schedule import Schedule
from cinema_svc.settings import Settings
from cinemapb.audit.v1 import audit_pb2
from cinemapb.cinema.v1 import cinema_pb2, cinema_pb2_grpc
from svckit.audit import AuditTrail, audit_entry_pb
from svckit.db import make_sessionmaker, reading
from svckit.errors import InvalidArgument
from svckit.identity import current_caller, require_admin
from svckit.protoconv import from_timestamp
from svckit.vocabulary import SeatType, Topic

Context = grpc.aio.ServicerContext[Any, Any]
AUDITED_ENTITIES = ("hall", "seat", "session")


def utc_now() -> datetime:
    return datetime.now(UTC)


def moment(stamp: Timestamp, field: str) -> datetime:
    """A required timestamp field of a request."""
    if stamp.seconds == 0 and stamp.nanos == 0:
        raise InvalidArgument(f"{field} is required", code="invalid_time_range")
    try:
        return from_timestamp(stamp)
    except (ValueError, OverflowError):
        raise InvalidArgument(f"{field} is out of range", code="invalid_time_range") from None


class CinemaServiceServicer(cinema_pb2_grpc.CinemaServiceServicer):
    def __init__(
        self,
        engine: AsyncEngine,
        settings: Settings,
        movies: MovieCatalogue,
        bookings: LiveBookings,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.sessionmaker = make_sessionmaker(engine)
        events = SessionEvents(settings.topic(Topic.SESSION_CHANGED))
        self.audit = AuditTrail(audit_log, AUDITED_ENTITIES)
        self.clock = clock
        self.halls = Halls(self.sessionmaker, events, clock, bookings, self.audit)
        self.schedule = Schedule(self.sessionmaker, events, movies, clock, self.audit)

    async def ListHalls(
        self, request: cinema_pb2.ListHallsRequest, context: Context
    ) -> cinema_pb2.ListHallsResponse:
        halls, total = await self.halls.list(page_request(request.page, request.page_size))
        return cinema_pb2.ListHallsResponse(items=[hall_pb(h) for h in halls], total=total)

    async def GetHall(
        self, request: cinema_pb2.GetHallRequest, context: Context
    ) -> cinema_pb2.Hall:
        return hall_pb(await self.halls.get(request.id))

    async def CreateHall(
        self, request: cinema_pb2.CreateHallRequest, context: Context
    ) -> cinema_pb2.Hall:
        require_admin(current_caller())
        hall = await self.halls.create(
            request.number, request.name, request.rows, request.seats_per_row
        )
        return hall_pb(hall)

    async def UpdateHall(
        self, request: cinema_pb2.UpdateHallRequest, context: Context
    ) -> cinema_pb2.Hall:
        require_admin(current_caller())
        return hall_pb(await self.halls.update(request.id, request.number, request.name))

    async def DeleteHall(
        self, request: cinema_pb2.DeleteHallRequest, context: Context
    ) -> empty_pb2.Empty:
        require_admin(current_caller())
        await self.halls.delete(request.id)
        return empty_pb2.Empty()

    async def AddSeat(
        self, request: cinema_pb2.AddSeatRequest, context: Context
    ) -> cinema_pb2.Seat:
        require_admin(current_caller())
        seat = await self.halls.add_seat(
            request.hall_id, request.row, request.number, seat_type_from_pb(request.type)
        )
        return seat_pb(seat)

    async def UpdateSeat(
        self, request: cinema_pb2.UpdateSeatRequest, context: Context
    ) -> cinema_pb2.Seat:
        require_admin(current_caller())
        seat = await self.halls.update_seat(
            request.id, request.row, request.number, seat_type_from_pb(request.type)
        )
        return seat_pb(seat)

    async def DeleteSeat(
        self, request: cinema_pb2.DeleteSeatRequest, context: Context
    ) -> empty_pb2.Empty:
        require_admin(current_caller())
        await self.halls.delete_seat(request.id)
        return empty_pb2.Empty()

    async def ListSessions(
        self, request: cinema_pb2.ListSessionsRequest, context: Context
    ) -> cinema_pb2.ListSessionsResponse:
        page = page_request(request.page, request.page_size)
        day_start, day_end = utc_day(request.date) if request.date else (None, None)
        where = SessionFilter(
            movie_id=request.movie_id if request.HasField("movie_id") else None,
            hall_id=request.hall_id if request.HasField("hall_id") else None,
            starts_from=day_start,
            starts_before=day_end,
            ids=tuple(request.ids),
        )
        sessions, total = await self.schedule.list(where, page)
        now = self.clock()
        return cinema_pb2.ListSessionsResponse(
            items=[session_pb(s, now) for s in sessions], total=total
        )

    async def GetSession(
        self, request: cinema_pb2.GetSessionRequest, context: Context
    ) -> cinema_pb2.Session:
        return session_pb(await self.schedule.get(request.id), self.clock())

    async def CreateSession(
        self, request: cinema_pb2.CreateSessionRequest, context: Context
    ) -> cinema_pb2.Session:
        require_admin(current_caller())
        draft = SessionDraft(
            movie_id=request.movie_id,
            hall_id=request.hall_id,
            start_time=moment(request.start_time, "start_time"),
            end_time=moment(request.end_time, "end_time"),
            base_price_cents=request.base_price_cents,
            seat_prices=seat_prices_from_pb(request.prices) if request.HasField("prices") else None,
        )
        return session_pb(await self.schedule.create(draft), self.clock())

    async def UpdateSession(
        self, request: cinema_pb2.UpdateSessionRequest, context: Context
    ) -> cinema_pb2.Session:
        require_admin(current_caller())
        draft = SessionDraft(
            movie_id=request.movie_id,
            hall_id=request.hall_id,
            start_time=moment(request.start_time, "start_time"),
            end_time=moment(request.end_time, "end_time"),
            base_price_cents=request.base_price_cents,
            seat_prices=seat_prices_from_pb(request.prices) if request.HasField("prices") else None,
        )
        return session_pb(await self.schedule.update(request.id, draft), self.clock())

    async def DeleteSession(
        self, request: cinema_pb2.DeleteSessionRequest, context: Context
    ) -> empty_pb2.Empty:
        require_admin(current_caller())
        await self.schedule.cancel(request.id)
        return empty_pb2.Empty()

    async def GetSessionSeating(
        self, request: cinema_pb2.GetSessionSeatingRequest, context: Context
    ) -> cinema_pb2.SessionSeating:
        return seating_pb(await self.schedule.seating(request.session_id), self.clock())

    async def EditHallLayout(
        self, request: cinema_pb2.EditHallLayoutRequest, context: Context
    ) -> cinema_pb2.Hall:
        require_admin(current_caller())
        retype: dict[int, SeatType] = {}
        for change in request.retype:
            if change.seat_id in retype:
                raise InvalidArgument(
                    f"seat {change.seat_id} is retyped twice", code="invalid_layout"
                )
            retype[change.seat_id] = seat_type_from_pb(change.type)
        edit = LayoutEdit(
            name=request.name if request.HasField("name") else None,
            add=[NewSeat(s.row, s.number, seat_type_from_pb(s.type)) for s in request.add],
            retype=retype,
            remove=frozenset(request.remove),
        )
        return hall_pb(await self.halls.edit_layout(request.hall_id, edit))

    async def ListAudit(
        self, request: audit_pb2.ListAuditRequest, context: Context
    ) -> audit_pb2.ListAuditResponse:
        require_admin(current_caller())
        page = page_request(request.page, request.page_size)
        entity_id = request.entity_id if request.HasField("entity_id") else None
        async with reading(self.sessionmaker) as db:
            rows, total = await self.audit.list(db, request.entity, entity_id, page)
        return audit_pb2.ListAuditResponse(items=[audit_entry_pb(r) for r in rows], total=total)
