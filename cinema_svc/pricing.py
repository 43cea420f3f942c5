"""Seat prices: a price the session sets for the seat's type, else the session's base price
times that type's multiplier."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from svckit.errors import InvalidArgument
from svckit.vocabulary import SEAT_TYPE, SeatType

PRICE_MULTIPLIERS: dict[SeatType, Decimal] = {
    "standard": Decimal("1.0"),
    "vip": Decimal("1.5"),
    "wheelchair": Decimal("0.8"),
    "companion": Decimal("1.0"),
}
MAX_PRICE_CENTS = 1_000_000
"""The most any seat or base price may cost (10,000.00)."""

SeatPrices = Mapping[SeatType, int]
"""Prices (cents) a session sets for some seat types other than standard."""


def seat_price_cents(
    base_price_cents: int, seat_type: SeatType, seat_prices: SeatPrices | None = None
) -> int:
    """The price of one seat: the session's price for its type, else the base price times the
    type's multiplier, rounded half up to whole cents."""
    if seat_prices and seat_type in seat_prices:
        return seat_prices[seat_type]
    exact = Decimal(base_price_cents) * PRICE_MULTIPLIERS[seat_type]
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_list(base_price_cents: int, seat_prices: SeatPrices | None) -> dict[SeatType, int]:
    """The price of every seat type in a session."""
    return {
        seat_type: seat_price_cents(base_price_cents, seat_type, seat_prices)
        for seat_type in PRICE_MULTIPLIERS
    }


def check_seat_prices(prices: Iterable[tuple[SeatType, int]]) -> dict[SeatType, int]:
    """Seat type prices as a session stores them: each type once, never standard (that is the
    base price), each within 0.01 and the maximum."""
    checked: dict[SeatType, int] = {}
    for seat_type, cents in prices:
        if seat_type == "standard":
            raise InvalidArgument(
                "the price of a standard seat is the base price", code="invalid_price"
            )
        if seat_type in checked:
            raise InvalidArgument(f"the {seat_type} price is given twice", code="invalid_price")
        if not 0 < cents <= MAX_PRICE_CENTS:
            raise InvalidArgument(
                f"the {seat_type} price must be between 0.01 and {MAX_PRICE_CENTS / 100:.2f}",
                code="invalid_price",
            )
        checked[seat_type] = cents
    return checked


def as_seat_type(label: str) -> SeatType:
    """The seat type named `label`; ValueError for anything else."""
    if label not in SEAT_TYPE:
        raise ValueError(f"unknown seat type {label!r}")
    return cast(SeatType, label)
