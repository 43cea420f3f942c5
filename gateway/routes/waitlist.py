"""Waiting lists: wait for N seats of a sold-out session; freed seats are held for you."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from cinemapb.booking.v1 import booking_pb2
from gateway.convert import waitlist_entry_out
from gateway.deps import AsUser, Clients
from gateway.openapi import error_responses
from gateway.routes.seatmap import seats_changed, seats_changed_responses
from gateway.schemas import MAX_ID, SessionId, WaitlistEntryOut

router = APIRouter(prefix="/api", tags=["waiting list"])

EntryId = Annotated[int, Path(ge=1, le=MAX_ID, description="the waiting-list entry's id")]


class WaitlistRequest(BaseModel):
    count: int = Field(
        ge=1, le=100, description="how many seats, 1 to BOOKING_MAX_SEATS (default 4)"
    )
    together: bool = Field(default=False, description="only seats side by side in one row will do")


@router.post(
    "/sessions/{session_id}/waitlist",
    status_code=201,
    response_model=WaitlistEntryOut,
    summary="Wait for seats of this session: when seats free, they are held for you",
    description=(
        "When seats free (a hold expires, a booking is cancelled, the session changes), the "
        "oldest entry the free seats can satisfy gets them held for it: a pending booking with "
        "`source: waitlist` that lasts BOOKING_WAITLIST_HOLD_SECONDS, announced by email and "
        "web push. If seats are free already, they are held at once (the entry answers "
        "`served`). One waiting entry per person and session; entries end when the session "
        "starts."
    ),
    responses=seats_changed_responses(201)
    | error_responses(
        "unauthenticated",
        "session_not_found",
        "session_started",
        "session_cancelled",
        "invalid_seat_count",
        "waitlist_exists",
    ),
)
async def join_waitlist(
    session_id: SessionId,
    body: WaitlistRequest,
    metadata: AsUser,
    clients: Clients,
    http: Request,
    response: Response,
) -> WaitlistEntryOut:
    request = booking_pb2.JoinWaitlistRequest(
        session_id=session_id, count=body.count, together=body.together
    )
    reply = await clients.booking.JoinWaitlist(request, metadata=metadata)
    return waitlist_entry_out(seats_changed(http, response, reply))


@router.get(
    "/me/waitlist",
    response_model=list[WaitlistEntryOut],
    summary="Your waiting-list entries, newest first",
    responses=error_responses("unauthenticated"),
)
async def my_waitlist(metadata: AsUser, clients: Clients) -> list[WaitlistEntryOut]:
    reply = await clients.booking.ListMyWaitlist(
        booking_pb2.ListMyWaitlistRequest(), metadata=metadata
    )
    return [waitlist_entry_out(entry) for entry in reply.items]


@router.delete(
    "/waitlist/{entry_id}",
    status_code=204,
    response_class=Response,
    summary="Leave a waiting list (your own entry, while it waits)",
    responses=error_responses(
        "unauthenticated", "waitlist_entry_not_found", "waitlist_entry_not_waiting"
    ),
)
async def leave_waitlist(entry_id: EntryId, metadata: AsUser, clients: Clients) -> Response:
    request = booking_pb2.LeaveWaitlistRequest(id=entry_id)
    await clients.booking.LeaveWaitlist(request, metadata=metadata)
    return Response(status_code=204)
