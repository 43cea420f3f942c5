"""Halls and their seats: anyone looks, admins create, lay out, change and delete them."""

from __future__ import annotations

from typing import Annotated, Any, Self

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cinemapb.cinema.v1 import cinema_pb2
from gateway.cache import STALE_AFTER_SCHEDULE_WRITE
from gateway.catalogue import hall_key, hall_loader
from gateway.convert import hall_out, paginated, seat_out
from gateway.deps import AsAdmin, AsAnyone, Cache, Clients, Page
from gateway.json_views import JsonView
from gateway.openapi import ADMIN_ONLY, error_responses
from gateway.schemas import HallId, HallOut, HallSeatOut, IdItem, Paginated, SeatId, Text
from svckit.vocabulary import SEAT_TYPE, SeatType

router = APIRouter(prefix="/api", tags=["halls"])

HALL_PAGE = JsonView("hall-page", Paginated[HallOut])
HALL = JsonView("hall", HallOut)

HallNumber = Annotated[int, Field(ge=1, le=9999, description="unique, as shown at the door")]
HallName = Annotated[Text, Field(max_length=100, examples=["Red Hall"])]
SeatPlace = Annotated[int, Field(ge=1, le=200)]
MAX_LAYOUT_CHANGES = 3000


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

    def place(self) -> dict[str, Any]:
        """The seat's fields as the cinema service's requests take them."""
        return {"row": self.row, "number": self.number, "type": SEAT_TYPE.number(self.type)}


class SeatRetype(BaseModel):
    model_config = ConfigDict(strict=True)

    seat_id: IdItem
    type: SeatType


class LayoutEdit(BaseModel):
    """One atomic change of a hall's layout: all of it happens, or none (removals first, so a
    seat may be added where one is removed)."""

    model_config = ConfigDict(strict=True)

    name: HallName | None = Field(default=None, description="a new name; left out: unchanged")
    add: list[SeatIn] = Field(default=[], max_length=MAX_LAYOUT_CHANGES)
    retype: list[SeatRetype] = Field(default=[], max_length=MAX_LAYOUT_CHANGES)
    remove: list[IdItem] = Field(
        default=[], max_length=MAX_LAYOUT_CHANGES, description="ids of seats to remove"
    )

    def to_pb(self, hall_id: int) -> cinema_pb2.EditHallLayoutRequest:
        message = cinema_pb2.EditHallLayoutRequest(
            hall_id=hall_id,
            add=[cinema_pb2.NewSeat(**seat.place()) for seat in self.add],
            retype=[
                cinema_pb2.SeatRetype(seat_id=r.seat_id, type=SEAT_TYPE.number(r.type))
                for r in self.retype
            ],
            remove=self.remove,
        )
        if self.name is not None:
            message.name = self.name
        return message


@router.get("/halls", response_model=Paginated[HallOut], summary="Every hall with its seats")
async def list_halls(page: Page, clients: Clients, cache: Cache, metadata: AsAnyone) -> Response:
    async def load() -> dict[str, Any]:
        reply = await clients.cinema.ListHalls(
            cinema_pb2.ListHallsRequest(page=page.page, page_size=page.page_size),
            metadata=metadata,
        )
        items = [hall_out(hall) for hall in reply.items]
        return paginated(items, reply.total, page).model_dump(mode="json")

    return await cache.respond("halls", f"list:{page.page}:{page.page_size}", load, HALL_PAGE)


@router.get(
    "/halls/{hall_id}",
    response_model=HallOut,
    summary="One hall with its seats",
    responses=error_responses("hall_not_found"),
)
async def get_hall(hall_id: HallId, clients: Clients, cache: Cache, metadata: AsAnyone) -> Response:
    return await cache.respond(
        "halls", hall_key(hall_id), hall_loader(hall_id, clients, metadata), HALL
    )


@router.post(
    "/halls",
    status_code=201,
    response_model=HallOut,
    summary="Create a hall (admin), optionally laid out as rows x seats_per_row standard seats",
    responses=error_responses(*ADMIN_ONLY, "hall_exists"),
)
async def create_hall(body: HallIn, metadata: AsAdmin, clients: Clients, cache: Cache) -> HallOut:
    hall = await clients.cinema.CreateHall(
        cinema_pb2.CreateHallRequest(
            number=body.number,
            name=body.name,
            rows=body.rows or 0,
            seats_per_row=body.seats_per_row or 0,
        ),
        metadata=metadata,
    )
    await cache.invalidate(STALE_AFTER_SCHEDULE_WRITE)
    return hall_out(hall)


@router.put(
    "/halls/{hall_id}",
    response_model=HallOut,
    summary="Renumber or rename a hall (admin)",
    responses=error_responses(*ADMIN_ONLY, "hall_not_found", "hall_exists"),
)
async def change_hall(
    hall_id: HallId, body: HallChange, metadata: AsAdmin, clients: Clients, cache: Cache
) -> HallOut:
    hall = await clients.cinema.UpdateHall(
        cinema_pb2.UpdateHallRequest(id=hall_id, number=body.number, name=body.name),
        metadata=metadata,
    )
    await cache.invalidate(STALE_AFTER_SCHEDULE_WRITE)
    return hall_out(hall)


@router.delete(
    "/halls/{hall_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a hall and its seats (admin); not while it has sessions",
    responses=error_responses(*ADMIN_ONLY, "hall_not_found", "hall_in_use"),
)
async def delete_hall(
    hall_id: HallId, metadata: AsAdmin, clients: Clients, cache: Cache
) -> Response:
    await clients.cinema.DeleteHall(cinema_pb2.DeleteHallRequest(id=hall_id), metadata=metadata)
    await cache.invalidate(STALE_AFTER_SCHEDULE_WRITE)
    return Response(status_code=204)


@router.post(
    "/halls/{hall_id}/seats",
    status_code=201,
    response_model=HallSeatOut,
    summary="Add a seat to a hall (admin)",
    responses=error_responses(*ADMIN_ONLY, "hall_not_found", "seat_exists"),
)
async def add_seat(
    hall_id: HallId, body: SeatIn, metadata: AsAdmin, clients: Clients, cache: Cache
) -> HallSeatOut:
    request = cinema_pb2.AddSeatRequest(hall_id=hall_id, **body.place())
    seat = await clients.cinema.AddSeat(request, metadata=metadata)
    await cache.invalidate(STALE_AFTER_SCHEDULE_WRITE)
    return seat_out(seat)


@router.put(
    "/seats/{seat_id}",
    response_model=HallSeatOut,
    summary="Move or retype a seat (admin)",
    responses=error_responses(*ADMIN_ONLY, "seat_not_found", "seat_exists", "seats_booked"),
)
async def change_seat(
    seat_id: SeatId, body: SeatIn, metadata: AsAdmin, clients: Clients, cache: Cache
) -> HallSeatOut:
    request = cinema_pb2.UpdateSeatRequest(id=seat_id, **body.place())
    seat = await clients.cinema.UpdateSeat(request, metadata=metadata)
    await cache.invalidate(STALE_AFTER_SCHEDULE_WRITE)
    return seat_out(seat)


@router.delete(
    "/seats/{seat_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a seat (admin); not while live bookings hold it",
    responses=error_responses(*ADMIN_ONLY, "seat_not_found", "seats_booked"),
)
async def delete_seat(
    seat_id: SeatId, metadata: AsAdmin, clients: Clients, cache: Cache
) -> Response:
    await clients.cinema.DeleteSeat(cinema_pb2.DeleteSeatRequest(id=seat_id), metadata=metadata)
    await cache.invalidate(STALE_AFTER_SCHEDULE_WRITE)
    return Response(status_code=204)


@router.patch(
    "/halls/{hall_id}/layout",
    response_model=HallOut,
    summary="Rename a hall and add, retype and remove seats in one step (admin); seats with live "
    "bookings in a session that is not over cannot be retyped or removed",
    responses=error_responses(
        *ADMIN_ONLY,
        "hall_not_found",
        "seat_not_found",
        "seat_exists",
        "seats_booked",
        "invalid_layout",
    ),
)
async def edit_layout(
    hall_id: HallId, body: LayoutEdit, metadata: AsAdmin, clients: Clients, cache: Cache
) -> HallOut:
    hall = await clients.cinema.EditHallLayout(body.to_pb(hall_id), metadata=metadata)
    await cache.invalidate(STALE_AFTER_SCHEDULE_WRITE)
    return hall_out(hall)
