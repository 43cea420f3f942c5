"""What a showtime list says about each session: its hall, how many seats are free, the
cheapest seat. Built from the cached seating and the taken seats of many sessions at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from booking_svc.domain import SessionSeating

MAX_SESSIONS = 200
"""Most sessions one SummarizeSessions call may name (a page of showtimes is at most 100)."""


@dataclass(frozen=True)
class SessionSummary:
    session_id: int
    hall_name: str
    seats_total: int
    seats_free: int
    lowest_price_cents: int


def summarize(seating: SessionSeating, taken: Iterable[int]) -> SessionSummary:
    """The summary of one session; taken seats that left the hall since do not count."""
    seats = seating.seats
    taken_here = set(taken) & seats.keys()
    return SessionSummary(
        session_id=seating.session_id,
        hall_name=seating.hall_name,
        seats_total=len(seats),
        seats_free=len(seats) - len(taken_here),
        lowest_price_cents=min((seat.price_cents for seat in seats.values()), default=0),
    )
