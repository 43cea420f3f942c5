"""Sessions (showtimes): anyone browses them, admins schedule, change and cancel them.

The seat map of a session is in seatmap.py, its live feed in live.py.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import grpc
from fastapi import APIRouter, Query, Response
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    StrictInt,
    field_validator,
)

from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.movie.v1 import movie_pb2
from gateway.availability import with_availability
from gateway.cache import STALE_AFTER_SCHEDULE_WRITE, CatalogueCache
from gateway.catalogue import load_hall
from gateway.clients import ServiceClients
from gateway.convert import movie_out, paginated, session_out
from gateway.deps import AsAdmin, AsAnyone, Cache, Clients, Metadata, Page
from gateway.json_views import JsonView, Shape
from gateway.openapi import ADMIN_ONLY, error_responses
from gateway.schemas import (
    MAX_ID,
    HallHead,
    HallOut,
    IdFilter,
    MovieOut,
    Paginated,
    SessionId,
    SessionOut,
    ShowtimeOut,
)
from svckit.protoconv import to_timestamp
from svckit.vocabulary import SEAT_TYPE, SeatType

router = APIRouter(prefix="/api", tags=["sessions"])

DEFAULT_BASE_PRICE = Decimal("10.00")

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def day_text(value: Any) -> Any:
    if not isinstance(value, str) or DAY_TEXT.fullmatch(value) is None:
        raise ValueError("must be a date, YYYY-MM-DD")
    return value


def within_calendar(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return day


Day = Annotated[date, BeforeValidator(day_text), AfterValidator(within_calendar)]
"""A UTC calendar day from 2000-01-01 to 2100-12-31."""

EntityId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Price = Annotated[Decimal, Field(gt=0, le=10000, decimal_places=2, examples=[12.5])]

SESSION_WRITE_ERRORS = (
    *ADMIN_ONLY,
    "movie_not_found",
    "hall_not_found",
    "session_overlap",
    "session_started",
    "session_cancelled",
    "validation_error",
    "invalid_time_range",
)


class SessionIn(BaseModel):
    """A session; times are ISO 8601 with a zone. POST without base_price charges 10.00,
    PUT without base_price keeps the current one. `prices` sets seat types' prices (vip,
    wheelchair, companion; standard is base_price): POST without it prices every type by its
    multiplier, PUT without it keeps the session's prices, `{}` returns to the multipliers.
    A price change applies to new holds; existing bookings keep what they cost."""

    movie_id: EntityId
    hall_id: EntityId
    start_time: AwareDatetime
    end_time: AwareDatetime
    base_price: Price | None = None
    prices: dict[SeatType, Price] | None = Field(default=None, examples=[{"vip": 15.0}])

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

    @field_validator("prices", mode="before")
    @classmethod
    def prices_are_numbers(cls, value: Any) -> Any:
        if isinstance(value, dict) and any(isinstance(v, bool) for v in value.values()):
            raise ValueError("prices must be numbers")
        return value

    @field_validator("prices")
    @classmethod
    def standard_is_the_base_price(
        cls, value: dict[SeatType, Decimal] | None
    ) -> dict[SeatType, Decimal] | None:
        if value is not None and "standard" in value:
            raise ValueError("the price of a standard seat is base_price")
        return value

    def schedule(self, default_price: Decimal | None) -> dict[str, Any]:
        """The fields of the cinema service's session requests; no price is 0 (keep it)."""
        price = self.base_price if self.base_price is not None else default_price
        fields: dict[str, Any] = {
            "movie_id": self.movie_id,
            "hall_id": self.hall_id,
            "start_time": to_timestamp(self.start_time),
            "end_time": to_timestamp(self.end_time),
            "base_price_cents": 0 if price is None else int(price * 100),
        }
        if self.prices is not None:
            fields["prices"] = cinema_pb2.SeatPrices(
                items=[
                    cinema_pb2.SeatTypePrice(
                        type=SEAT_TYPE.number(seat_type), price_cents=int(amount * 100)
                    )
                    for seat_type, amount in self.prices.items()
                ]
            )
        return fields


class AggregateOut(BaseModel):
    """A session with its movie (null if the movie was deleted since) and its hall (with its
    seats unless `seats=false`)."""

    session: SessionOut
    movie: MovieOut | None
    hall: HallOut | HallHead


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


def status_changes_at(session: dict[str, Any]) -> float | None:
    """When (time.time) the session's current_status next changes; None: never again."""
    if session["status"] == "cancelled":
        return None
    now = time.time()
    for edge in (session["start_time"], session["end_time"]):
        at = datetime.fromisoformat(edge).timestamp()
        if at > now:
            return at
    return None


def session_now(session: dict[str, Any]) -> tuple[dict[str, Any], float | None]:
    return current_status(session), status_changes_at(session)


def aggregate_now(*, seats: bool) -> Shape:
    """The cached aggregate with its session's status brought up to now, seats or not."""

    def shape(cached: dict[str, Any]) -> tuple[dict[str, Any], float | None]:
        hall = cached["hall"] if seats else HallHead.model_validate(cached["hall"]).model_dump()
        session = current_status(cached["session"])
        return cached | {"session": session, "hall": hall}, status_changes_at(cached["session"])

    return shape


SESSION = JsonView("session", SessionOut, session_now)
AGGREGATE = JsonView("aggregate", AggregateOut, aggregate_now(seats=True))
AGGREGATE_WITHOUT_SEATS = JsonView("aggregate-head", AggregateOut, aggregate_now(seats=False))


def session_key(session_id: int) -> str:
    return f"session:{session_id}"


def session_loader(
    session_id: int, clients: ServiceClients, metadata: Metadata
) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def load() -> dict[str, Any]:
        session = await clients.cinema.GetSession(
            cinema_pb2.GetSessionRequest(id=session_id), metadata=metadata
        )
        return session_out(session).model_dump(mode="json")

    return load


async def load_session(
    session_id: int, clients: ServiceClients, cache: Cache, metadata: Metadata
) -> dict[str, Any]:
    loader = session_loader(session_id, clients, metadata)
    cached: dict[str, Any] = await cache.get_or_load("sessions", session_key(session_id), loader)
    return current_status(cached)


async def load_movie(
    movie_id: int, clients: ServiceClients, metadata: Metadata
) -> dict[str, Any] | None:
    try:
        movie = await clients.movies.GetMovie(
            movie_pb2.GetMovieRequest(id=movie_id), metadata=metadata
        )
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            return None
        raise
    return movie_out(movie).model_dump(mode="json")


@router.get(
    "/sessions",
    response_model=Paginated[ShowtimeOut],
    summary="Sessions by start time, filtered by movie, hall and UTC day, with hall name, "
    "seats left and lowest price",
)
async def list_sessions(
    page: Page,
    clients: Clients,
    cache: Cache,
    metadata: AsAnyone,
    movie_id: IdFilter = None,
    hall_id: IdFilter = None,
    day: Annotated[
        Day | None,
        Query(
            alias="date",
            description=f"a UTC calendar day, YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}",
        ),
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
        reply = await clients.cinema.ListSessions(message, metadata=metadata)
        items = [session_out(session) for session in reply.items]
        return paginated(items, reply.total, page).model_dump(mode="json")

    params = {"movie_id": movie_id, "hall_id": hall_id, "date": message.date}
    key = "list:" + json.dumps(params | page.model_dump(), sort_keys=True)
    cached: dict[str, Any] = await cache.get_or_load("sessions", key, load)
    items = [current_status(item) for item in cached["items"]]
    return cached | {"items": await with_availability(items, clients, metadata)}


@router.get(
    "/sessions/{session_id}",
    response_model=SessionOut,
    summary="One session",
    responses=error_responses("session_not_found"),
)
async def get_session(
    session_id: SessionId, clients: Clients, cache: Cache, metadata: AsAnyone
) -> Response:
    loader = session_loader(session_id, clients, metadata)
    return await cache.respond("sessions", session_key(session_id), loader, SESSION)


def aggregate_loader(
    session_id: int, clients: ServiceClients, cache: CatalogueCache, metadata: Metadata
) -> Callable[[], Awaitable[dict[str, Any]]]:
    async def load() -> dict[str, Any]:
        session = await load_session(session_id, clients, cache, metadata)
        movie, hall = await asyncio.gather(
            load_movie(session["movie_id"], clients, metadata),
            load_hall(session["hall_id"], clients, cache, metadata),
        )
        return {"session": session, "movie": movie, "hall": hall}

    return load


async def session_aggregate(
    session_id: int, clients: ServiceClients, cache: CatalogueCache, metadata: Metadata
) -> dict[str, Any]:
    """The session with its movie and hall (with seats) as JSON, its status brought up to now."""
    loader = aggregate_loader(session_id, clients, cache, metadata)
    cached: dict[str, Any] = await cache.get_or_load("aggregate", session_key(session_id), loader)
    shaped: dict[str, Any] = aggregate_now(seats=True)(cached)[0]
    return shaped


@router.get(
    "/sessions/{session_id}/aggregate",
    response_model=AggregateOut,
    summary="A session with its movie and its hall (with seats) in one answer",
    responses=error_responses("session_not_found"),
)
async def get_session_aggregate(
    session_id: SessionId,
    clients: Clients,
    cache: Cache,
    metadata: AsAnyone,
    seats: Annotated[
        bool,
        Query(
            description="false leaves the hall's seats out: a seat-map page gets them, with "
            "prices and statuses, from /api/sessions/{session_id}/seats",
        ),
    ] = True,
) -> Response:
    loader = aggregate_loader(session_id, clients, cache, metadata)
    view = AGGREGATE if seats else AGGREGATE_WITHOUT_SEATS
    return await cache.respond("aggregate", session_key(session_id), loader, view)


@router.post(
    "/sessions",
    status_code=201,
    response_model=SessionOut,
    summary="Schedule a session (admin); base_price defaults to 10.00",
    responses=error_responses(*SESSION_WRITE_ERRORS),
)
async def create_session(
    body: SessionIn, metadata: AsAdmin, clients: Clients, cache: Cache
) -> SessionOut:
    request = cinema_pb2.CreateSessionRequest(**body.schedule(DEFAULT_BASE_PRICE))
    session = await clients.cinema.CreateSession(request, metadata=metadata)
    await cache.invalidate(STALE_AFTER_SCHEDULE_WRITE)
    return session_out(session)


@router.put(
    "/sessions/{session_id}",
    response_model=SessionOut,
    summary="Change a session that has not started (admin); no base_price keeps the price",
    responses=error_responses(*SESSION_WRITE_ERRORS, "session_not_found"),
)
async def change_session(
    session_id: SessionId, body: SessionIn, metadata: AsAdmin, clients: Clients, cache: Cache
) -> SessionOut:
    request = cinema_pb2.UpdateSessionRequest(id=session_id, **body.schedule(None))
    session = await clients.cinema.UpdateSession(request, metadata=metadata)
    await cache.invalidate(STALE_AFTER_SCHEDULE_WRITE)
    return session_out(session)


@router.delete(
    "/sessions/{session_id}",
    status_code=204,
    response_class=Response,
    summary="Cancel a session (admin): it stays listed as cancelled and its bookings end",
    responses=error_responses(*ADMIN_ONLY, "session_not_found", "session_finished"),
)
async def cancel_session(
    session_id: SessionId, metadata: AsAdmin, clients: Clients, cache: Cache
) -> Response:
    await clients.cinema.DeleteSession(
        cinema_pb2.DeleteSessionRequest(id=session_id), metadata=metadata
    )
    await cache.invalidate(STALE_AFTER_SCHEDULE_WRITE)
    return Response(status_code=204)
