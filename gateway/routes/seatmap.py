"""The seat map of a session: every seat with its price and whether it is free, held or booked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from cinemapb.booking.v1 import booking_pb2
from gateway.convert import seat_state
from gateway.deps import AsAnyone, Clients
from gateway.openapi import error_responses
from gateway.schemas import SeatStateOut, SessionId

router = APIRouter(prefix="/api", tags=["seat map"])

VERSION_HEADER = "X-Seat-Map-Version"


@router.get(
    "/sessions/{session_id}/seats",
    response_model=list[SeatStateOut],
    summary="Every seat of the session's hall with its price and status",
    description=(
        f"The `{VERSION_HEADER}` header carries the seat map's version: it grows with every "
        "committed change to this session's seats (the live feed's events carry it too)."
    ),
    responses=error_responses("session_not_found"),
)
async def seat_map(
    session_id: SessionId, clients: Clients, metadata: AsAnyone, response: Response
) -> list[dict[str, Any]]:
    reply = await clients.booking.GetSeatMap(
        booking_pb2.GetSeatMapRequest(session_id=session_id), metadata=metadata
    )
    response.headers[VERSION_HEADER] = str(reply.version)
    response.headers["Cache-Control"] = "no-store"
    return [seat_state(seat) for seat in reply.seats]
