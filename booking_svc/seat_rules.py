"""The seat rules a hold or a partial cancellation must keep, and how a refusal reads.

When the orphan rule is in force, and how companion seats and stranded seats refuse a change;
the selection itself is booking_svc.selection.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from booking_svc.domain import SeatInfo, SessionSeating
from booking_svc.selection import Group, companions_alone, stranded
from svckit.errors import Conflict, InvalidArgument


@dataclass(frozen=True)
class SeatRules:
    """BOOKING_NO_ORPHAN_SEATS and BOOKING_ORPHAN_RULE_UNTIL."""

    no_orphan_seats: bool
    orphan_rule_until: timedelta

    def orphans_refused(self, seating: SessionSeating, now: datetime) -> bool:
        """Whether a change may not strand a seat: the rule is on and the session starts
        later than `orphan_rule_until` from now (late sales are not blocked)."""
        return self.no_orphan_seats and seating.starts_at - now > self.orphan_rule_until


NO_SEAT_RULES = SeatRules(no_orphan_seats=False, orphan_rule_until=timedelta(0))
"""No orphan rule (companion seats are always checked)."""


def _seat_words(seat: SeatInfo) -> str:
    return f"row {seat.row}, seat {seat.number}"


def _seat_detail(seat: SeatInfo) -> dict[str, int]:
    return {"seat_id": seat.seat_id, "row": seat.row, "number": seat.number}


def require_companions_beside_wheelchairs(chosen: Sequence[SeatInfo]) -> None:
    """Refuses companion seats without a wheelchair place beside them in the same booking."""
    alone = companions_alone(chosen)
    if alone:
        raise InvalidArgument(
            f"a companion seat ({_seat_words(alone[0])}) is booked only together with the "
            "wheelchair place beside it",
            code="companion_needs_wheelchair",
            details={"seat_ids": [seat.seat_id for seat in alone]},
        )


def require_no_orphan(
    seating: SessionSeating, taken: Collection[int], change: Collection[int], *, taking: bool
) -> None:
    """Refuses a change that would leave a single free seat stranded, naming it."""
    found = stranded(seating.seats.values(), taken, change, taking=taking)
    if found:
        first = found[0]
        action = "holding" if taking else "giving back"
        raise InvalidArgument(
            f"{action} these seats would leave {_seat_words(first)} alone; choose seats next to"
            " it or leave no single seat between",
            code="orphan_seat",
            details={
                "seat_id": first.seat_id,
                "row": first.row,
                "number": first.number,
                "stranded": [_seat_detail(seat) for seat in found],
            },
        )


def group_detail(group: Group) -> dict[str, object]:
    """A group of seats as the REST answer shows it (a price in currency units)."""
    return {"seat_ids": group.seat_ids, "row": group.row, "total_price": group.price_cents / 100}


def no_adjacent_seats(count: int, split: tuple[Group, Group] | None) -> Conflict:
    """No row has `count` adjacent free seats; the best split into two groups, if any."""
    return Conflict(
        f"no row has {count} free seats together"
        + ("; see the suggested split into two groups" if split else ""),
        code="no_adjacent_seats",
        details={"suggestion": [group_detail(group) for group in split] if split else []},
    )
