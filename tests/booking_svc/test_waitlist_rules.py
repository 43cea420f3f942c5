"""Which free seats a waiting entry gets, over random halls and occupancies."""

from __future__ import annotations

import random

import pytest

from booking_svc.domain import SeatInfo
from booking_svc.waitlist.rules import seats_for


def hall(rng: random.Random) -> list[SeatInfo]:
    """Rows of different lengths, some with gaps (missing numbers: aisles)."""
    seats = []
    for row in range(1, rng.randint(1, 6) + 1):
        for number in range(1, rng.randint(2, 12) + 1):
            if rng.random() < 0.1:
                continue
            seats.append(SeatInfo(row * 100 + number, row, number, "standard", 1000))
    return seats


def adjacent(seats: list[SeatInfo]) -> bool:
    numbers = [seat.number for seat in seats]
    return len({seat.row for seat in seats}) == 1 and numbers == list(
        range(numbers[0], numbers[0] + len(numbers))
    )


def has_block(free: list[SeatInfo], count: int) -> bool:
    places = {(seat.row, seat.number) for seat in free}
    return any(all((r, n + i) in places for i in range(count)) for r, n in places)


@pytest.mark.parametrize("seed", range(300))
def test_the_choice_is_free_sized_right_and_together_whenever_it_can_be(seed: int) -> None:
    rng = random.Random(seed)
    seats = hall(rng)
    free = [seat for seat in seats if rng.random() < 0.5]
    count = rng.randint(1, 4)
    together = rng.random() < 0.5
    chosen = seats_for(seats, {seat.seat_id for seat in free}, count, together)
    if chosen is None:
        assert len(free) < count or (together and not has_block(free, count))
        return
    assert len(chosen) == len({seat.seat_id for seat in chosen}) == count
    assert {seat.seat_id for seat in chosen} <= {seat.seat_id for seat in free}
    if has_block(free, count):
        assert adjacent(chosen)
    if not adjacent(chosen):
        rows_used = len({seat.row for seat in chosen})
        per_row = sorted(
            (sum(1 for seat in free if seat.row == row) for row in {s.row for s in free}),
            reverse=True,
        )
        fewest = next(k for k in range(1, len(per_row) + 1) if sum(per_row[:k]) >= count)
        assert rows_used == fewest


def test_a_block_nearest_the_middle_of_its_row_is_preferred() -> None:
    row = [SeatInfo(n, 1, n, "standard", 1000) for n in range(1, 11)]
    chosen = seats_for(row, {1, 2, 5, 6, 9, 10}, 2, True)
    assert [seat.number for seat in chosen or []] == [5, 6]


def test_seats_apart_do_not_satisfy_an_entry_that_wants_them_together() -> None:
    row = [SeatInfo(n, 1, n, "standard", 1000) for n in range(1, 6)]
    assert seats_for(row, {1, 3, 5}, 2, True) is None
    assert [seat.number for seat in seats_for(row, {1, 3, 5}, 2, False) or []] == [1, 3]
