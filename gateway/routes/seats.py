"""Single seats: admins move, retype and remove them (seats are added through their hall)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from cinemapb.cinema.v1 import cinema_pb2
from gateway.deps import AdminUser, Cache, Clients, grpc_metadata
from gateway.routes.genres import ADMIN_ERRORS, MAX_ID
from gateway.routes.halls import (
    SCHEDULE_CACHES,
    SEAT_TYPE_NUMBERS,
    HallSeatOut,
    SeatIn,
    seat_out,
)
from gateway.schemas import ErrorBody

router = APIRouter(prefix="/api", tags=["halls"])

SeatId = Annotated[int, Path(ge=1, le=MAX_ID, description="the seat's id")]

SEAT_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such seat (seat_not_found)"}
}


@router.put(
    "/seats/{seat_id}",
    response_model=HallSeatOut,
    summary="Move or retype a seat (admin)",
    responses={
        **ADMIN_ERRORS,
        **SEAT_NOT_FOUND,
        409: {"model": ErrorBody, "description": "Another seat is there (seat_exists)"},
    },
)
async def change_seat(
    seat_id: SeatId,
    body: SeatIn,
    caller: AdminUser,
    clients: Clients,
    cache: Cache,
    request: Request,
) -> HallSeatOut:
    seat = await clients.cinema.UpdateSeat(
        cinema_pb2.UpdateSeatRequest(
            id=seat_id, row=body.row, number=body.number, type=SEAT_TYPE_NUMBERS[body.type]
        ),
        metadata=grpc_metadata(caller, request),
    )
    await cache.invalidate(SCHEDULE_CACHES)
    return seat_out(seat)


@router.delete(
    "/seats/{seat_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a seat (admin)",
    responses={**ADMIN_ERRORS, **SEAT_NOT_FOUND},
)
async def delete_seat(
    seat_id: SeatId, caller: AdminUser, clients: Clients, cache: Cache, request: Request
) -> Response:
    await clients.cinema.DeleteSeat(
        cinema_pb2.DeleteSeatRequest(id=seat_id), metadata=grpc_metadata(caller, request)
    )
    await cache.invalidate(SCHEDULE_CACHES)
    return Response(status_code=204)
