"""Seat prices are the base price times the seat type's multiplier, rounded to cents."""

from __future__ import annotations

import pytest

from cinema_svc.pricing import as_seat_type, seat_price_cents
from svckit.vocabulary import SeatType


@pytest.mark.parametrize(
    ("base", "seat_type", "price"),
    [
        (1000, "standard", 1000),
        (1000, "vip", 1500),
        (1000, "wheelchair", 800),
        (1250, "vip", 1875),
        (999, "vip", 1499),  # 1498.5 rounds half up
        (999, "wheelchair", 799),  # 799.2 rounds down
        (1, "vip", 2),  # 1.5 rounds half up
        (0, "vip", 0),
    ],
)
def test_seat_price_is_base_times_type_multiplier_rounded_half_up(
    base: int, seat_type: SeatType, price: int
) -> None:
    assert seat_price_cents(base, seat_type) == price


def test_an_unknown_seat_type_label_is_refused() -> None:
    assert as_seat_type("vip") == "vip"
    with pytest.raises(ValueError, match="balcony"):
        as_seat_type("balcony")
