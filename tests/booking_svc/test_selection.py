"""Best available, orphan seats and companion seats over random hall shapes and occupancies,
checked against brute force written from the rules' words, not from the implementation."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from booking_svc.domain import SeatInfo
from booking_svc.selection import (
    HallShape,
    Wish,
    best_group,
    best_split,
    blocks,
    companions_alone,
    stranded,
)

TYPES = ("standard", "vip", "wheelchair", "companion")


@st.composite
def halls(draw: st.DrawFn) -> tuple[list[SeatInfo], frozenset[int]]:
    """A hall of 1-6 rows of up to 14 positions, some missing (aisles, gaps), random seat
    types, and a random set of taken seats."""
    seats = []
    for row in range(1, draw(st.integers(1, 6)) + 1):
        numbers = draw(st.sets(st.integers(1, 14), min_size=1))
        for number in sorted(numbers):
            kind = draw(st.sampled_from(TYPES) if draw(st.booleans()) else st.just("standard"))
            seats.append(SeatInfo(100 * row + number, row, number, kind, 1000 + 100 * row))
    taken = draw(st.sets(st.sampled_from([seat.seat_id for seat in seats])))
    return seats, frozenset(taken)


wishes = st.builds(
    Wish,
    count=st.integers(1, 4),
    seat_type=st.sampled_from([None, "standard", "vip"]),
    accessible=st.booleans(),
)


def neighbours(seat: SeatInfo, by_place: dict[tuple[int, int], SeatInfo]) -> list[SeatInfo]:
    return [
        other
        for other in (
            by_place.get((seat.row, seat.number - 1)),
            by_place.get((seat.row, seat.number + 1)),
        )
        if other is not None
    ]


def lonely(seats: list[SeatInfo], free: set[int]) -> set[int]:
    """Free seats with a seat beside them but no free seat beside them (the rule's words)."""
    by_place = {(seat.row, seat.number): seat for seat in seats}
    found = set()
    for seat in seats:
        if seat.seat_id not in free:
            continue
        beside = neighbours(seat, by_place)
        if beside and not any(other.seat_id in free for other in beside):
            found.add(seat.seat_id)
    return found


def newly_lonely(seats: list[SeatInfo], taken: frozenset[int], change: set[int]) -> set[int]:
    free_before = {seat.seat_id for seat in seats} - taken
    return lonely(seats, free_before - change) - lonely(seats, free_before)


def acceptable(group: tuple[SeatInfo, ...], wish: Wish) -> bool:
    """Whether seats of a group are of the kind the wish asks for (the documented filter)."""
    plain = {wish.seat_type} if wish.seat_type else {"standard", "vip"}
    types = [seat.type for seat in group]
    if not wish.accessible:
        return all(kind in plain for kind in types)
    return (
        "wheelchair" in types
        and all(kind in plain | {"wheelchair", "companion"} for kind in types)
        and not companions_alone(group)
    )


def brute_force(
    seats: list[SeatInfo], taken: frozenset[int], wish: Wish
) -> list[tuple[SeatInfo, ...]]:
    """Every set of free seats of one row with consecutive numbers that fits the wish and
    strands nobody."""
    found = []
    free = [seat for seat in seats if seat.seat_id not in taken]
    for chosen in combinations(free, wish.count):
        rows = {seat.row for seat in chosen}
        numbers = sorted(seat.number for seat in chosen)
        if len(rows) != 1 or numbers != list(range(numbers[0], numbers[0] + wish.count)):
            continue
        group = tuple(sorted(chosen, key=lambda seat: seat.number))
        if not acceptable(group, wish):
            continue
        if newly_lonely(seats, taken, {seat.seat_id for seat in group}):
            continue
        found.append(group)
    return found


@settings(max_examples=300, deadline=None)
@given(halls(), wishes)
def test_best_available_is_adjacent_in_one_row_strands_nobody_and_scores_best(
    hall: tuple[list[SeatInfo], frozenset[int]], wish: Wish
) -> None:
    seats, taken = hall
    group = best_group(seats, taken, wish)
    everything = brute_force(seats, taken, wish)
    if group is None:
        assert everything == []
        return
    chosen = group.seats
    assert len(chosen) == wish.count
    assert len({seat.row for seat in chosen}) == 1
    numbers = [seat.number for seat in chosen]
    assert numbers == list(range(numbers[0], numbers[0] + wish.count))
    assert not taken.intersection(group.seat_ids)
    assert not newly_lonely(seats, taken, set(group.seat_ids))
    assert chosen in everything
    shape = HallShape.of(seats)

    def score(candidate: tuple[SeatInfo, ...]) -> Fraction:
        (block,) = [b for b in blocks(seats) if candidate[0] in b]
        return shape.score(candidate, block, taken)

    best = min(score(candidate) for candidate in everything)
    assert group.score == score(chosen) == best


@settings(max_examples=300, deadline=None)
@given(halls(), st.data())
def test_the_orphan_rule_names_exactly_the_seats_a_hold_or_a_release_would_strand(
    hall: tuple[list[SeatInfo], frozenset[int]], data: st.DataObject
) -> None:
    seats, taken = hall
    free = sorted({seat.seat_id for seat in seats} - taken)
    if free:
        hold = set(data.draw(st.lists(st.sampled_from(free), min_size=1, max_size=4)))
        named = {seat.seat_id for seat in stranded(seats, taken, hold, taking=True)}
        assert named == newly_lonely(seats, taken, hold)
    if taken:
        give_back = set(data.draw(st.lists(st.sampled_from(sorted(taken)), min_size=1)))
        named = {seat.seat_id for seat in stranded(seats, taken, give_back, taking=False)}
        free_before = {seat.seat_id for seat in seats} - taken
        expected = lonely(seats, free_before | give_back) - lonely(seats, free_before)
        assert named == expected


@settings(max_examples=200, deadline=None)
@given(halls(), wishes)
def test_a_split_is_offered_only_when_no_row_has_the_party_together_and_strands_nobody(
    hall: tuple[list[SeatInfo], frozenset[int]], wish: Wish
) -> None:
    seats, taken = hall
    split = best_split(seats, taken, wish)
    if split is None:
        return
    one, other = split
    assert len(one.seats) + len(other.seats) == wish.count
    assert len(one.seats) >= len(other.seats)
    both = set(one.seat_ids) | set(other.seat_ids)
    assert len(both) == wish.count
    assert not taken & both
    assert not newly_lonely(seats, taken, both)


def seat(seat_id: int, number: int, kind: str = "standard", row: int = 1) -> SeatInfo:
    return SeatInfo(seat_id, row, number, kind, 1000)


def test_the_centre_of_a_row_two_thirds_back_wins() -> None:
    seats = [seat(10 * row + n, n, row=row) for row in range(1, 8) for n in range(1, 12)]
    group = best_group(seats, frozenset(), Wish(3))
    assert group is not None
    assert (group.row, [s.number for s in group.seats]) == (5, [5, 6, 7])


def test_pairs_fill_an_even_hall_completely() -> None:
    seats = [seat(100 * row + n, n, row=row) for row in range(1, 11) for n in range(1, 21)]
    taken: set[int] = set()
    while (group := best_group(seats, frozenset(taken), Wish(2))) is not None:
        taken |= set(group.seat_ids)
    assert len(taken) == len(seats)


def test_a_group_never_spans_an_aisle() -> None:
    seats = [seat(1, 1), seat(2, 2), seat(4, 4), seat(5, 5)]
    assert best_group(seats, frozenset(), Wish(3)) is None
    split = best_split(seats, frozenset(), Wish(3))
    assert split is None
    pair = best_split(seats, frozenset(), Wish(4))
    assert pair is not None
    assert sorted(sorted(g.seat_ids) for g in pair) == [[1, 2], [4, 5]]


def test_a_companion_seat_needs_the_wheelchair_place_beside_it() -> None:
    wheelchair, companion, far = seat(1, 1, "wheelchair"), seat(2, 2, "companion"), seat(3, 3)
    assert companions_alone([companion, far]) == [companion]
    assert companions_alone([wheelchair, companion]) == []
    across = seat(9, 3, "wheelchair", row=2)
    assert companions_alone([companion, across]) == [companion]
