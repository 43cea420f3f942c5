"""Seat prices: the session's base price times a multiplier for the seat's type."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from svckit.vocabulary import SEAT_TYPE, SeatType

PRICE_MULTIPLIERS: dict[SeatType, Decimal] = {
    "standard": Decimal("1.0"),
    "vip": Decimal("1.5"),
    "wheelchair": Decimal("0.8"),
    "companion": Decimal("1.0"),
}


def seat_price_cents(base_price_cents: int, seat_type: SeatType) -> int:
    """The price of one seat, rounded half up to whole cents."""
    exact = Decimal(base_price_cents) * PRICE_MULTIPLIERS[seat_type]
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def as_seat_type(label: str) -> SeatType:
    """The seat type named `label`; ValueError for anything else."""
    if label not in SEAT_TYPE:
        raise ValueError(f"unknown seat type {label!r}")
    return cast(SeatType, label)
