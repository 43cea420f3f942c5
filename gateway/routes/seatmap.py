"""The seat map of a session: every seat with its price and whether it is free, held or booked."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel

from cinemapb.booking.v1 import booking_pb2
from gateway.deps import Clients, grpc_metadata
from gateway.routes.bookings import MAX_ID, SEAT_TYPES, SeatType, money
from gateway.schemas import ErrorBody

router = APIRouter(prefix="/api", tags=["seat map"])

VERSION_HEADER = "X-Seat-Map-Version"
SeatStatus = Literal["free", "held", "booked"]
SEAT_STATUSES: dict[int, SeatStatus] = {
    booking_pb2.SEAT_STATUS_FREE: "free",
    booking_pb2.SEAT_STATUS_HELD: "held",
    booking_pb2.SEAT_STATUS_BOOKED: "booked",
}


class SeatStateOut(BaseModel):
    seat_id: int
    row: int
    number: int
    type: SeatType
    price: float
    status: SeatStatus


@router.get(
    "/sessions/{session_id}/seats",
    response_model=list[SeatStateOut],
    summary="Every seat of the session's hall with its price and status",
    description=(
        f"The `{VERSION_HEADER}` header carries the seat map's version: it grows with every "
        "committed change to this session's seats (the live feed's events carry it too)."
    ),
    responses={404: {"model": ErrorBody, "description": "Unknown session (session_not_found)"}},
)
async def seat_map(
    session_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    clients: Clients,
    request: Request,
    response: Response,
) -> list[SeatStateOut]:
    reply = await clients.booking.GetSeatMap(
        booking_pb2.GetSeatMapRequest(session_id=session_id),
        metadata=grpc_metadata(None, request),
    )
    response.headers[VERSION_HEADER] = str(reply.version)
    response.headers["Cache-Control"] = "no-store"
    return [
        SeatStateOut(
            seat_id=seat.seat_id,
            row=seat.row,
            number=seat.number,
            type=SEAT_TYPES.get(seat.type, "standard"),
            price=money(seat.price_cents),
            status=SEAT_STATUSES.get(seat.status, "free"),
        )
        for seat in reply.seats
    ]
