"""Waiting-list rules without I/O: entries, their statuses, what a request must satisfy, and
which free seats an entry gets."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import groupby

from booking_svc.domain import SeatInfo
from svckit.errors import AlreadyExists, Conflict, InvalidArgument, NotFound


class EntryStatus(StrEnum):
    """Spelled as the vocabulary's WAITLIST_STATUS labels."""

    WAITING = "waiting"
    SERVED = "served"
    CANCELLED = "cancelled"
    ENDED = "ended"


@dataclass(frozen=True)
class Entry:
    id: int
    user_id: int
    session_id: int
    count: int
    together: bool
    status: EntryStatus
    booking_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    seat_map_version: int = field(default=0, compare=False)
    """The session's seat-map version after the hold that served the entry, when the answer
    is to the join that served it; else 0."""


def validate_count(count: int, max_seats: int) -> int:
    if not 1 <= count <= max_seats:
        raise InvalidArgument(
            f"wait for 1 to {max_seats} seats",
            code="invalid_seat_count",
            details={"max_seats": max_seats},
        )
    return count


def already_waiting() -> AlreadyExists:
    return AlreadyExists(
        "you are already on the waiting list of this session", code="waitlist_exists"
    )


def entry_not_found(entry_id: int) -> NotFound:
    return NotFound(f"waiting-list entry {entry_id} not found", code="waitlist_entry_not_found")


def not_waiting(status: EntryStatus) -> Conflict:
    return Conflict(f"the entry is {status}, no longer waiting", code="waitlist_entry_not_waiting")


def _runs(free: Iterable[SeatInfo]) -> list[list[SeatInfo]]:
    """Free seats side by side (consecutive numbers of one row), longest runs of each row
    first; the rows in hall order."""
    runs: list[list[SeatInfo]] = []
    ordered = sorted(free, key=lambda s: (s.row, s.number))
    for _, row in groupby(ordered, key=lambda s: s.row):
        run: list[SeatInfo] = []
        for seat in row:
            if run and seat.number != run[-1].number + 1:
                runs.append(run)
                run = []
            run.append(seat)
        runs.append(run)
    return runs


def _centre_distance(seats: Sequence[SeatInfo], centre: dict[int, float]) -> float:
    middle = (seats[0].number + seats[-1].number) / 2
    return abs(middle - centre[seats[0].row])


def seats_for(
    hall: Iterable[SeatInfo], free_ids: Iterable[int], count: int, together: bool
) -> list[SeatInfo] | None:
    """The seats a waiting entry gets from the free ones, or None when they cannot satisfy it.

    Side by side in one row when they can be (the block nearest the middle of its row, front
    rows first among equals); otherwise, unless `together` is required, any `count` free
    seats over as few rows as possible (rows with the most free seats first, each row's
    longest runs first)."""
    seats = list(hall)
    wanted = set(free_ids)
    free = [seat for seat in seats if seat.seat_id in wanted]
    if len(free) < count:
        return None
    numbers: dict[int, list[int]] = {}
    for seat in seats:
        numbers.setdefault(seat.row, []).append(seat.number)
    centre = {row: (min(taken) + max(taken)) / 2 for row, taken in numbers.items()}
    blocks = [
        run[start : start + count] for run in _runs(free) for start in range(len(run) - count + 1)
    ]
    if blocks:
        return min(blocks, key=lambda b: (_centre_distance(b, centre), b[0].row, b[0].number))
    if together:
        return None
    by_row = [list(group) for _, group in groupby(_runs(free), key=lambda run: run[0].row)]
    by_row.sort(key=lambda runs: (-sum(len(run) for run in runs), runs[0][0].row))
    chosen: list[SeatInfo] = []
    for runs in by_row:
        for run in sorted(runs, key=len, reverse=True):
            chosen.extend(run[: count - len(chosen)])
        if len(chosen) == count:
            break
    return sorted(chosen, key=lambda s: (s.row, s.number))
