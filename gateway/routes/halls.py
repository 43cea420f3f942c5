"""Halls with their seats: anyone looks, admins create, change and delete them."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cinemapb.cinema.v1 import cinema_pb2
from gateway.clients import ServiceClients
from gateway.deps import AdminUser, Cache, Clients, Page, grpc_metadata
from gateway.routes.genres import ADMIN_ERRORS, MAX_ID
from gateway.schemas import ErrorBody, Paginated

router = APIRouter(prefix="/api", tags=["halls"])

SCHEDULE_CACHES = ("sessions", "aggregate", "halls")
"""What a hall, seat or session write makes stale."""

SeatType = Literal["standard", "vip", "wheelchair"]
SEAT_TYPE_NUMBERS: dict[SeatType, cinema_pb2.SeatType.ValueType] = {
    "standard": cinema_pb2.SEAT_TYPE_STANDARD,
    "vip": cinema_pb2.SEAT_TYPE_VIP,
    "wheelchair": cinema_pb2.SEAT_TYPE_WHEELCHAIR,
}
SEAT_TYPE_LABELS: dict[int, SeatType] = {n: label for label, n in SEAT_TYPE_NUMBERS.items()}

HallId = Annotated[int, Path(ge=1, le=MAX_ID, description="the hall's id")]
HallNumber = Annotated[int, Field(ge=1, le=9999, description="unique, as shown at the door")]
HallName = Annotated[str, Field(max_length=100, examples=["Red Hall"])]
SeatPlace = Annotated[int, Field(ge=1, le=200)]

HALL_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such hall (hall_not_found)"}
}
HALL_NUMBER_TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorBody, "description": "Another hall has this number (hall_exists)"}
}


class SeatOut(BaseModel):
    id: int
    row: int
    number: int
    type: SeatType


class HallSeatOut(SeatOut):
    hall_id: int


class HallOut(BaseModel):
    id: int
    number: int
    name: str
    seats: list[SeatOut]


class HallIn(BaseModel):
    """A new hall; rows and seats_per_row together lay out that many standard seats."""

    model_config = ConfigDict(strict=True)

    number: HallNumber
    name: HallName = ""
    rows: int | None = Field(default=None, ge=1, le=50)
    seats_per_row: int | None = Field(default=None, ge=1, le=60)

    @model_validator(mode="after")
    def layout_is_whole(self) -> Self:
        if (self.rows is None) != (self.seats_per_row is None):
            raise ValueError("rows and seats_per_row go together")
        return self


class HallChange(BaseModel):
    model_config = ConfigDict(strict=True)

    number: HallNumber
    name: HallName = ""


class SeatIn(BaseModel):
    model_config = ConfigDict(strict=True)

    row: SeatPlace
    number: SeatPlace
    type: SeatType = "standard"


def seat_out(seat: cinema_pb2.Seat) -> HallSeatOut:
    return HallSeatOut(
        id=seat.id,
        hall_id=seat.hall_id,
        row=seat.row,
        number=seat.number,
        type=SEAT_TYPE_LABELS[seat.type],
    )


def hall_out(hall: cinema_pb2.Hall) -> HallOut:
    seats = [
        SeatOut(id=s.id, row=s.row, number=s.number, type=SEAT_TYPE_LABELS[s.type])
        for s in hall.seats
    ]
    return HallOut(id=hall.id, number=hall.number, name=hall.name, seats=seats)


async def load_hall(
    hall_id: int, clients: ServiceClients, cache: Cache, request: Request
) -> dict[str, Any]:
    """The hall as JSON, through the cache."""

    async def load() -> dict[str, Any]:
        hall = await clients.cinema.GetHall(
            cinema_pb2.GetHallRequest(id=hall_id), metadata=grpc_metadata(None, request)
        )
        return hall_out(hall).model_dump(mode="json")

    cached: dict[str, Any] = await cache.get_or_load("halls", f"hall:{hall_id}", load)
    return cached


@router.get("/halls", response_model=Paginated[HallOut], summary="Every hall with its seats")
async def list_halls(
    page: Page, clients: Clients, cache: Cache, request: Request
) -> dict[str, Any]:
    async def load() -> dict[str, Any]:
        reply = await clients.cinema.ListHalls(
            cinema_pb2.ListHallsRequest(page=page.page, page_size=page.page_size),
            metadata=grpc_metadata(None, request),
        )
        return Paginated[HallOut](
            items=[hall_out(hall) for hall in reply.items],
            total=reply.total,
            page=page.page,
            page_size=page.page_size,
        ).model_dump(mode="json")

    cached: dict[str, Any] = await cache.get_or_load(
        "halls", f"list:{page.page}:{page.page_size}", load
    )
    return cached


@router.get(
    "/halls/{hall_id}",
    response_model=HallOut,
    summary="One hall with its seats",
    responses=HALL_NOT_FOUND,
)
async def get_hall(
    hall_id: HallId, clients: Clients, cache: Cache, request: Request
) -> dict[str, Any]:
    return await load_hall(hall_id, clients, cache, request)


@router.post(
    "/halls",
    status_code=201,
    response_model=HallOut,
    summary="Create a hall (admin), optionally laid out as rows x seats_per_row standard seats",
    responses={**ADMIN_ERRORS, **HALL_NUMBER_TAKEN},
)
async def create_hall(
    body: HallIn, caller: AdminUser, clients: Clients, cache: Cache, request: Request
) -> HallOut:
    hall = await clients.cinema.CreateHall(
        cinema_pb2.CreateHallRequest(
            number=body.number,
            name=body.name,
            rows=body.rows or 0,
            seats_per_row=body.seats_per_row or 0,
        ),
        metadata=grpc_metadata(caller, request),
    )
    await cache.invalidate(SCHEDULE_CACHES)
    return hall_out(hall)


@router.put(
    "/halls/{hall_id}",
    response_model=HallOut,
    summary="Renumber or rename a hall (admin)",
    responses={**ADMIN_ERRORS, **HALL_NOT_FOUND, **HALL_NUMBER_TAKEN},
)
async def change_hall(
    hall_id: HallId,
    body: HallChange,
    caller: AdminUser,
    clients: Clients,
    cache: Cache,
    request: Request,
) -> HallOut:
    hall = await clients.cinema.UpdateHall(
        cinema_pb2.UpdateHallRequest(id=hall_id, number=body.number, name=body.name),
        metadata=grpc_metadata(caller, request),
    )
    await cache.invalidate(SCHEDULE_CACHES)
    return hall_out(hall)


@router.delete(
    "/halls/{hall_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a hall and its seats (admin); not while it has sessions",
    responses={
        **ADMIN_ERRORS,
        **HALL_NOT_FOUND,
        409: {"model": ErrorBody, "description": "The hall has sessions (hall_in_use)"},
    },
)
async def delete_hall(
    hall_id: HallId, caller: AdminUser, clients: Clients, cache: Cache, request: Request
) -> Response:
    await clients.cinema.DeleteHall(
        cinema_pb2.DeleteHallRequest(id=hall_id), metadata=grpc_metadata(caller, request)
    )
    await cache.invalidate(SCHEDULE_CACHES)
    return Response(status_code=204)


@router.post(
    "/halls/{hall_id}/seats",
    status_code=201,
    response_model=HallSeatOut,
    summary="Add a seat to a hall (admin)",
    responses={
        **ADMIN_ERRORS,
        **HALL_NOT_FOUND,
        409: {"model": ErrorBody, "description": "A seat is already there (seat_exists)"},
    },
)
async def add_seat(
    hall_id: HallId,
    body: SeatIn,
    caller: AdminUser,
    clients: Clients,
    cache: Cache,
    request: Request,
) -> HallSeatOut:
    seat = await clients.cinema.AddSeat(
        cinema_pb2.AddSeatRequest(
            hall_id=hall_id, row=body.row, number=body.number, type=SEAT_TYPE_NUMBERS[body.type]
        ),
        metadata=grpc_metadata(caller, request),
    )
    await cache.invalidate(SCHEDULE_CACHES)
    return seat_out(seat)
