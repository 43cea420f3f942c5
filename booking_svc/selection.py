"""Seat selection rules as pure functions over a hall's seats: best available, orphan seats,
companion seats.

Two seats are adjacent when they are in the same row and their numbers are consecutive: an
aisle or a gap is a missing number, so a row falls into *blocks* of consecutive numbers and
no group of seats spans two blocks.

The best-available score (lower is better), for a group of seats in row `r` whose numbers
average `m`, in a hall whose rows run from `front` (nearest the screen) to `back` and whose
seat numbers run from `left` to `right`:

    row_cost    = |r - (front + 2/3 * (back - front))| / max(1, back - front)
    centre_cost = |m - (left + right) / 2| / max(1, (right - left) / 2)
    odd_sides   = how many of the free runs the group leaves right beside it, in its block,
                  have an odd number of seats (0, 1 or 2)
    score       = centre_cost + row_cost + odd_sides / 2

The last term keeps the hall fillable: a pair taken from the middle of an even run would leave
two odd runs, which end as three seats that no pair can take without stranding one. Ties go to
the row nearer the screen, then to the lower first seat number.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import groupby
from typing import get_args

from booking_svc.domain import SeatInfo
from svckit.vocabulary import PlainSeatType

WHEELCHAIR = "wheelchair"
COMPANION = "companion"
CHOOSABLE_TYPES: tuple[str, ...] = get_args(PlainSeatType)
"""Seat types best available picks without being asked for accessible seats."""

Block = tuple[SeatInfo, ...]
"""Seats of one row with consecutive numbers, in number order."""


@dataclass(frozen=True)
class Wish:
    """What best available is asked for: how many seats, of which type, with a wheelchair
    place (and companion seats beside it) or not."""

    count: int
    seat_type: str | None = None
    accessible: bool = False


@dataclass(frozen=True)
class Group:
    """Adjacent seats of one row chosen together, with their score (lower is better)."""

    seats: Block
    score: Fraction

    @property
    def row(self) -> int:
        return self.seats[0].row

    @property
    def seat_ids(self) -> list[int]:
        return [seat.seat_id for seat in self.seats]

    @property
    def price_cents(self) -> int:
        return sum(seat.price_cents for seat in self.seats)

    def rank(self) -> tuple[Fraction, int, int]:
        return (self.score, self.row, self.seats[0].number)


@dataclass(frozen=True)
class HallShape:
    """The extent of a hall: its first and last rows and its lowest and highest seat numbers."""

    front: int
    back: int
    left: int
    right: int

    @classmethod
    def of(cls, seats: Iterable[SeatInfo]) -> HallShape:
        listed = list(seats)
        rows = [seat.row for seat in listed]
        numbers = [seat.number for seat in listed]
        return cls(min(rows), max(rows), min(numbers), max(numbers))

    def score(self, seats: Sequence[SeatInfo], block: Block, taken: Collection[int]) -> Fraction:
        """The documented score of seats of one `block` (see the module docstring)."""
        depth = self.back - self.front
        target_row = self.front + Fraction(2, 3) * depth
        row_cost = abs(seats[0].row - target_row) / max(1, depth)
        mean = Fraction(sum(seat.number for seat in seats), len(seats))
        half_width = max(Fraction(1), Fraction(self.right - self.left, 2))
        centre_cost = abs(mean - Fraction(self.left + self.right, 2)) / half_width
        return centre_cost + row_cost + Fraction(_odd_sides(seats, block, taken), 2)


def _free_run(seats: Iterable[SeatInfo], taken: Collection[int]) -> int:
    """How many seats in a row are free from the start of `seats`."""
    run = 0
    for seat in seats:
        if seat.seat_id in taken:
            break
        run += 1
    return run


def _odd_sides(group: Sequence[SeatInfo], block: Block, taken: Collection[int]) -> int:
    """How many of the free runs right beside the group in its block have an odd length."""
    start = block.index(group[0])
    end = start + len(group)
    before = _free_run(reversed(block[:start]), taken)
    after = _free_run(block[end:], taken)
    return (before % 2) + (after % 2)


def blocks(seats: Iterable[SeatInfo]) -> list[Block]:
    """The hall's blocks: runs of consecutive seat numbers in a row, front row first."""
    ordered = sorted(seats, key=lambda seat: (seat.row, seat.number))
    found: list[Block] = []
    for _row, in_row in groupby(ordered, key=lambda seat: seat.row):
        current: list[SeatInfo] = []
        for seat in in_row:
            if current and seat.number != current[-1].number + 1:
                found.append(tuple(current))
                current = []
            current.append(seat)
        found.append(tuple(current))
    return found


def _lone_free(block: Block, free: Collection[int]) -> set[int]:
    """Free seats of the block with no free neighbour, in a block of more than one seat."""
    if len(block) < 2:
        return set()
    lone = set()
    for index, seat in enumerate(block):
        if seat.seat_id not in free:
            continue
        before = index > 0 and block[index - 1].seat_id in free
        after = index + 1 < len(block) and block[index + 1].seat_id in free
        if not before and not after:
            lone.add(seat.seat_id)
    return lone


def stranded(
    seats: Iterable[SeatInfo], taken: Collection[int], change: Collection[int], *, taking: bool
) -> list[SeatInfo]:
    """Seats a change would strand: free seats alone between taken seats, or between a taken
    seat and the end of the row or an aisle, that were not alone before the change.

    `taken`: seats held or sold now; `change`: the seats taken (taking=True) or given back
    (taking=False). Seats alone before the change are not its doing and are not named."""
    touched = set(change)
    found: list[SeatInfo] = []
    for block in blocks(seats):
        if not touched.intersection(seat.seat_id for seat in block):
            continue
        ids = [seat.seat_id for seat in block]
        free_before = {seat for seat in ids if seat not in taken}
        free_after = free_before - touched if taking else free_before | touched
        newly = _lone_free(block, free_after) - _lone_free(block, free_before)
        found.extend(seat for seat in block if seat.seat_id in newly)
    return found


def companions_alone(chosen: Sequence[SeatInfo]) -> list[SeatInfo]:
    """Companion seats of a selection without a wheelchair place beside them in it."""
    wheelchairs = {(seat.row, seat.number) for seat in chosen if seat.type == WHEELCHAIR}
    return [
        seat
        for seat in chosen
        if seat.type == COMPANION
        and not {(seat.row, seat.number - 1), (seat.row, seat.number + 1)} & wheelchairs
    ]


def _fits(window: Block, wish: Wish) -> bool:
    """Whether a window of seats is of the kind the wish asks for."""
    plain = (wish.seat_type,) if wish.seat_type else CHOOSABLE_TYPES
    if not wish.accessible:
        return all(seat.type in plain for seat in window)
    if not any(seat.type == WHEELCHAIR for seat in window):
        return False
    allowed = (*plain, WHEELCHAIR, COMPANION)
    return all(seat.type in allowed for seat in window) and not companions_alone(window)


def candidates(
    seats: Sequence[SeatInfo], taken: Collection[int], wish: Wish, *, allow_orphans: bool
) -> Iterator[Group]:
    """Every group of `wish.count` adjacent free seats of one block that fits the wish and,
    unless `allow_orphans`, strands no seat."""
    if not seats or wish.count < 1:
        return
    shape = HallShape.of(seats)
    for block in blocks(seats):
        for start in range(len(block) - wish.count + 1):
            window = block[start : start + wish.count]
            if any(seat.seat_id in taken for seat in window) or not _fits(window, wish):
                continue
            ids = [seat.seat_id for seat in window]
            if not allow_orphans and stranded(block, taken, ids, taking=True):
                continue
            yield Group(window, shape.score(window, block, taken))


def best_group(
    seats: Sequence[SeatInfo], taken: Collection[int], wish: Wish, *, allow_orphans: bool = False
) -> Group | None:
    """The best-scoring group for the wish, or None. With `allow_orphans`, a group that
    strands a seat is chosen only when no group strands none."""
    for orphans in (False, True) if allow_orphans else (False,):
        found = min(
            candidates(seats, taken, wish, allow_orphans=orphans), key=Group.rank, default=None
        )
        if found is not None:
            return found
    return None


def best_split(
    seats: Sequence[SeatInfo], taken: Collection[int], wish: Wish, *, allow_orphans: bool = False
) -> tuple[Group, Group] | None:
    """Two groups that together seat `wish.count` people, when no row has them together: the
    most even split that exists (4 -> 2 + 2 before 3 + 1), the larger group chosen first by
    the wish, then the best group for the rest beside what the first took."""
    for first in range((wish.count + 1) // 2, wish.count):
        rest = wish.count - first
        one = best_group(
            seats,
            taken,
            Wish(first, wish.seat_type, wish.accessible),
            allow_orphans=allow_orphans,
        )
        if one is None:
            continue
        other = best_group(
            seats,
            {*taken, *one.seat_ids},
            Wish(rest, wish.seat_type),
            allow_orphans=allow_orphans,
        )
        if other is not None:
            return one, other
    return None
