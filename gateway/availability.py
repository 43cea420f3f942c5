"""Showtime lists with each session's hall, free seats and lowest price: one SummarizeSessions
call to booking_svc for the whole page (never one call a session), not cached, since seats
change every second. Without an answer the list is still served, without those fields."""

from __future__ import annotations

import logging
from typing import Any

import grpc

from cinemapb.booking.v1 import booking_pb2
from gateway.clients import ServiceClients
from gateway.convert import money
from gateway.deps import Metadata

log = logging.getLogger(__name__)


async def with_availability(
    sessions: list[dict[str, Any]], clients: ServiceClients, metadata: Metadata
) -> list[dict[str, Any]]:
    """The sessions (JSON) with hall_name, seats_total, seats_left and lowest_price added."""
    if not sessions:
        return sessions
    request = booking_pb2.SummarizeSessionsRequest(session_ids=[s["id"] for s in sessions])
    try:
        reply = await clients.booking.SummarizeSessions(request, metadata=metadata)
    except grpc.aio.AioRpcError as error:
        log.warning("showtimes without availability: %s", error.code().name)
        return sessions
    found = {summary.session_id: summary for summary in reply.items}
    return [with_summary(session, found.get(session["id"])) for session in sessions]


def with_summary(
    session: dict[str, Any], summary: booking_pb2.SessionSummary | None
) -> dict[str, Any]:
    if summary is None:
        return session
    return session | {
        "hall_name": summary.hall_name,
        "seats_total": summary.seats_total,
        "seats_left": summary.seats_free,
        "lowest_price": money(summary.lowest_price_cents),
    }
