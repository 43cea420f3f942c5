"""Sessions (showtimes): anyone browses them, admins schedule, change and cancel them.

The seat map of a session and its live feed are in seatmap.py.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import grpc
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, Field, StrictInt, field_validator

from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.movie.v1 import movie_pb2
from gateway.clients import ServiceClients
from gateway.deps import AdminUser, Cache, Clients, Page, grpc_metadata
from gateway.routes.genres import ADMIN_ERRORS, MAX_ID
from gateway.routes.halls import SCHEDULE_CACHES, HallOut, load_hall
from gateway.routes.movies import MovieOut, movie_out
from gateway.schemas import ErrorBody, Paginated
from svckit.protoconv import from_timestamp, to_timestamp

router = APIRouter(prefix="/api", tags=["sessions"])

SessionStatus = Literal["scheduled", "ongoing", "finished", "cancelled"]
STATUS_LABELS: dict[int, SessionStatus] = {
    cinema_pb2.SESSION_STATUS_SCHEDULED: "scheduled",
    cinema_pb2.SESSION_STATUS_ONGOING: "ongoing",
    cinema_pb2.SESSION_STATUS_FINISHED: "finished",
    cinema_pb2.SESSION_STATUS_CANCELLED: "cancelled",
}
DEFAULT_BASE_PRICE = Decimal("10.00")

SessionId = Annotated[int, Path(ge=1, le=MAX_ID, description="the session's id")]
EntityId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Price = Annotated[Decimal, Field(gt=0, le=10000, decimal_places=2, examples=[12.5])]

SESSION_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such session (session_not_found)"}
}
SESSION_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ADMIN_ERRORS,
    404: {"model": ErrorBody, "description": "Unknown movie or hall (movie/hall_not_found)"},
    409: {
        "model": ErrorBody,
        "description": "Overlaps another session in the hall (session_overlap); "
        "the session has started or is cancelled (session_started, session_cancelled)",
    },
    422: {
        "model": ErrorBody,
        "description": "Invalid field; start in the past or end not after start "
        "(invalid_time_range)",
    },
}


class SessionOut(BaseModel):
    id: int
    movie_id: int
    hall_id: int
    start_time: datetime
    end_time: datetime
    base_price: float = Field(description="price of a standard seat; vip x1.5, wheelchair x0.8")
    status: SessionStatus


class SessionIn(BaseModel):
    """A session; times are ISO 8601 with a zone. POST without base_price charges 10.00,
    PUT without base_price keeps the current one."""

    movie_id: EntityId
    hall_id: EntityId
    start_time: AwareDatetime
    end_time: AwareDatetime
    base_price: Price | None = None

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def time_is_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date and time with a zone")
        return value

    @field_validator("start_time", "end_time")
    @classmethod
    def time_is_representable_in_utc(cls, value: datetime) -> datetime:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("out of range") from None

    @field_validator("base_price", mode="before")
    @classmethod
    def price_is_a_number(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number")
        return value

    def price_cents(self, default: Decimal | None) -> int:
        price = self.base_price if self.base_price is not None else default
        return 0 if price is None else int(price * 100)


class AggregateOut(BaseModel):
    """A session with its movie (null if the movie was deleted since) and its hall."""

    session: SessionOut
    movie: MovieOut | None
    hall: HallOut


def session_out(session: cinema_pb2.Session) -> SessionOut:
    return SessionOut(
        id=session.id,
        movie_id=session.movie_id,
        hall_id=session.hall_id,
        start_time=from_timestamp(session.start_time),
        end_time=from_timestamp(session.end_time),
        base_price=session.base_price_cents / 100,
        status=STATUS_LABELS[session.status],
    )


def current_status(session: dict[str, Any]) -> dict[str, Any]:
    """A cached session JSON with its status brought up to now (it follows the clock)."""
    if session["status"] == "cancelled":
        return session
    now = datetime.now(UTC)
    if now < datetime.fromisoformat(session["start_time"]):
        status = "scheduled"
    elif now < datetime.fromisoformat(session["end_time"]):
        status = "ongoing"
    else:
        status = "finished"
    return session | {"status": status}


async def load_session(
    session_id: int, clients: ServiceClients, cache: Cache, request: Request
) -> dict[str, Any]:
    async def load() -> dict[str, Any]:
        session = await clients.cinema.GetSession(
            cinema_pb2.GetSessionRequest(id=session_id), metadata=grpc_metadata(None, request)
        )
        return session_out(session).model_dump(mode="json")

    cached: dict[str, Any] = await cache.get_or_load("sessions", f"session:{session_id}", load)
    return current_status(cached)


async def load_movie(
    movie_id: int, clients: ServiceClients, request: Request
) -> dict[str, Any] | None:
    try:
        movie = await clients.movies.GetMovie(
            movie_pb2.GetMovieRequest(id=movie_id), metadata=grpc_metadata(None, request)
        )
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            return None
        raise
    return movie_out(movie).model_dump(mode="json")


@router.get(
    "/sessions",
    response_model=Paginated[SessionOut],
    summary="Sessions by start time, filtered by movie, hall and UTC day",
)
async def list_sessions(
    page: Page,
    clients: Clients,
    cache: Cache,
    request: Request,
    movie_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    hall_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    day: Annotated[
        date | None, Query(alias="date", description="a UTC calendar day, YYYY-MM-DD")
    ] = None,
) -> dict[str, Any]:
    message = cinema_pb2.ListSessionsRequest(
        page=page.page, page_size=page.page_size, date=day.isoformat() if day else ""
    )
    if movie_id is not None:
        message.movie_id = movie_id
    if hall_id is not None:
        message.hall_id = hall_id

    async def load() -> dict[str, Any]:
        reply = await clients.cinema.ListSessions(message, metadata=grpc_metadata(None, request))
        return Paginated[SessionOut](
            items=[session_out(session) for session in reply.items],
            total=reply.total,
            page=page.page,
            page_size=page.page_size,
        ).model_dump(mode="json")

    params = {"movie_id": movie_id, "hall_id": hall_id, "date": message.date}
    key = "list:" + json.dumps(params | page.model_dump(), sort_keys=True)
    cached: dict[str, Any] = await cache.get_or_load("sessions", key, load)
    return cached | {"items": [current_status(item) for item in cached["items"]]}


@router.get(
    "/sessions/{session_id}",
    response_model=SessionOut,
    summary="One session",
    responses=SESSION_NOT_FOUND,
)
async def get_session(
    session_id: SessionId, clients: Clients, cache: Cache, request: Request
) -> dict[str, Any]:
    return await load_session(session_id, clients, cache, request)


@router.get(
    "/sessions/{session_id}/aggregate",
    response_model=AggregateOut,
    summary="A session with its movie and its hall (with seats) in one answer",
    responses=SESSION_NOT_FOUND,
)
async def get_session_aggregate(
    session_id: SessionId, clients: Clients, cache: Cache, request: Request
) -> dict[str, Any]:
    async def load() -> dict[str, Any]:
        session = await load_session(session_id, clients, cache, request)
        movie, hall = await asyncio.gather(
            load_movie(session["movie_id"], clients, request),
            load_hall(session["hall_id"], clients, cache, request),
        )
        return {"session": session, "movie": movie, "hall": hall}

    cached: dict[str, Any] = await cache.get_or_load("aggregate", f"session:{session_id}", load)
    return cached | {"session": current_status(cached["session"])}


@router.post(
    "/sessions",
    status_code=201,
    response_model=SessionOut,
    summary="Schedule a session (admin); base_price defaults to 10.00",
    responses=SESSION_WRITE_ERRORS,
)
async def create_session(
    body: SessionIn, caller: AdminUser, clients: Clients, cache: Cache, request: Request
) -> SessionOut:
    session = await clients.cinema.CreateSession(
        cinema_pb2.CreateSessionRequest(
            movie_id=body.movie_id,
            hall_id=body.hall_id,
            start_time=to_timestamp(body.start_time),
            end_time=to_timestamp(body.end_time),
            base_price_cents=body.price_cents(DEFAULT_BASE_PRICE),
        ),
        metadata=grpc_metadata(caller, request),
    )
    await cache.invalidate(SCHEDULE_CACHES)
    return session_out(session)


@router.put(
    "/sessions/{session_id}",
    response_model=SessionOut,
    summary="Change a session that has not started (admin); no base_price keeps the price",
    responses={**SESSION_WRITE_ERRORS, **SESSION_NOT_FOUND},
)
async def change_session(
    session_id: SessionId,
    body: SessionIn,
    caller: AdminUser,
    clients: Clients,
    cache: Cache,
    request: Request,
) -> SessionOut:
    session = await clients.cinema.UpdateSession(
        cinema_pb2.UpdateSessionRequest(
            id=session_id,
            movie_id=body.movie_id,
            hall_id=body.hall_id,
            start_time=to_timestamp(body.start_time),
            end_time=to_timestamp(body.end_time),
            base_price_cents=body.price_cents(None),
        ),
        metadata=grpc_metadata(caller, request),
    )
    await cache.invalidate(SCHEDULE_CACHES)
    return session_out(session)


@router.delete(
    "/sessions/{session_id}",
    status_code=204,
    response_class=Response,
    summary="Cancel a session (admin): it stays listed as cancelled and its bookings end",
    responses={
        **ADMIN_ERRORS,
        **SESSION_NOT_FOUND,
        409: {"model": ErrorBody, "description": "The session is over (session_finished)"},
    },
)
async def cancel_session(
    session_id: SessionId, caller: AdminUser, clients: Clients, cache: Cache, request: Request
) -> Response:
    await clients.cinema.DeleteSession(
        cinema_pb2.DeleteSessionRequest(id=session_id), metadata=grpc_metadata(caller, request)
    )
    await cache.invalidate(SCHEDULE_CACHES)
    return Response(status_code=204)
