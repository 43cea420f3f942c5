"""Best available: the best adjacent free seats of a session for a party of N."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from gateway.convert import money
from gateway.deps import AsAnyone, Clients
from gateway.openapi import error_responses
from gateway.schemas import SessionId
from svckit.vocabulary import SEAT_TYPE, PlainSeatType

router = APIRouter(prefix="/api", tags=["seat map"])


class BestAvailable(BaseModel):
    """A party to seat together: how many, of which seat type, with a wheelchair place."""

    count: int = Field(ge=1, le=100, examples=[2])
    type: PlainSeatType | None = Field(
        default=None, description="only seats of this type; either when left out"
    )
    accessible: bool = Field(
        default=False, description="include a wheelchair place (and companion seats beside it)"
    )

    def pb(self) -> booking_pb2.BestAvailable:
        seat_type = SEAT_TYPE.number(self.type) if self.type else cinema_pb2.SEAT_TYPE_UNSPECIFIED
        return booking_pb2.BestAvailable(
            count=self.count, type=seat_type, accessible=self.accessible
        )


class BestSeatsOut(BaseModel):
    seat_ids: list[int]
    row: int
    total_price: float


@router.get(
    "/sessions/{session_id}/best-seats",
    response_model=BestSeatsOut,
    summary="The best adjacent free seats for a party: centre first, about two thirds back",
    description=(
        "N adjacent free seats in one row (never across an aisle or a gap), never leaving a "
        "single free seat stranded beside them, chosen by the score in the README (centre of "
        "the hall, rows about two thirds back). Nothing is held: `POST /api/bookings` with "
        "`best_available` holds the best seats at that moment. 409 `no_adjacent_seats` when no "
        "row has N together, with `suggestion`: the best split into two groups."
    ),
    responses=error_responses(
        "session_not_found",
        "session_started",
        "session_cancelled",
        "no_adjacent_seats",
        "too_many_seats",
    ),
)
async def best_seats(
    session_id: SessionId,
    clients: Clients,
    metadata: AsAnyone,
    count: Annotated[int, Query(ge=1, le=100, description="how many seats together")],
    type: Annotated[PlainSeatType | None, Query(description="only this seat type")] = None,
    accessible: Annotated[bool, Query(description="include a wheelchair place")] = False,
) -> BestSeatsOut:
    wish = BestAvailable(count=count, type=type, accessible=accessible)
    reply = await clients.booking.GetBestSeats(
        booking_pb2.GetBestSeatsRequest(session_id=session_id, wish=wish.pb()), metadata=metadata
    )
    return BestSeatsOut(
        seat_ids=list(reply.seat_ids), row=reply.row, total_price=money(reply.total_price_cents)
    )
