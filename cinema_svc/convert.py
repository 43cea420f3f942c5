"""Rows of cinema_svc as protobuf messages, and protobuf enums as domain labels."""

from __future__ import annotations

from datetime import datetime

from cinema_svc.domain import session_status
from cinema_svc.models import Hall, Seat, Session
from cinema_svc.pricing import (
    SeatPrices,
    as_seat_type,
    check_seat_prices,
    price_list,
    seat_price_cents,
)
from cinema_svc.repository import Seating
from cinemapb.cinema.v1 import cinema_pb2
from svckit.errors import InvalidArgument
from svckit.protoconv import to_timestamp
from svckit.vocabulary import SEAT_TYPE, SESSION_STATUS, SeatType


def seat_type_from_pb(number: int) -> SeatType:
    """The seat type a request names; UNSPECIFIED means standard."""
    try:
        return as_seat_type(SEAT_TYPE.label(number))
    except ValueError:
        raise InvalidArgument(
            f"seat type must be {', '.join(SEAT_TYPE.labels[:-1])} or {SEAT_TYPE.labels[-1]}",
            code="invalid_seat_type",
        ) from None


def stored_prices(session: Session) -> SeatPrices:
    """The seat type prices a session row keeps."""
    return {as_seat_type(label): int(cents) for label, cents in session.seat_prices.items()}


def seat_prices_from_pb(prices: cinema_pb2.SeatPrices) -> dict[SeatType, int]:
    return check_seat_prices((seat_type_from_pb(p.type), p.price_cents) for p in prices.items)


def seat_type_pb(label: str) -> cinema_pb2.SeatType.ValueType:
    return SEAT_TYPE.number(label)


def seat_pb(seat: Seat) -> cinema_pb2.Seat:
    return cinema_pb2.Seat(
        id=seat.id,
        hall_id=seat.hall_id,
        row=seat.row,
        number=seat.number,
        type=seat_type_pb(seat.type),
    )


def hall_pb(hall: Hall) -> cinema_pb2.Hall:
    return cinema_pb2.Hall(
        id=hall.id, number=hall.number, name=hall.name, seats=[seat_pb(s) for s in hall.seats]
    )


def session_pb(session: Session, now: datetime) -> cinema_pb2.Session:
    status = session_status(session.status, session.start_time, session.end_time, now)
    return cinema_pb2.Session(
        id=session.id,
        movie_id=session.movie_id,
        hall_id=session.hall_id,
        start_time=to_timestamp(session.start_time),
        end_time=to_timestamp(session.end_time),
        base_price_cents=session.base_price_cents,
        status=SESSION_STATUS.number(status),
        prices=[
            cinema_pb2.SeatTypePrice(type=seat_type_pb(seat_type), price_cents=cents)
            for seat_type, cents in price_list(
                session.base_price_cents, stored_prices(session)
            ).items()
        ],
    )


def seating_pb(seating: Seating, now: datetime) -> cinema_pb2.SessionSeating:
    base = seating.session.base_price_cents
    prices = stored_prices(seating.session)
    return cinema_pb2.SessionSeating(
        session=session_pb(seating.session, now),
        hall_name=seating.hall_name,
        seats=[
            cinema_pb2.PricedSeat(
                seat_id=seat.id,
                row=seat.row,
                number=seat.number,
                type=seat_type_pb(seat.type),
                price_cents=seat_price_cents(base, as_seat_type(seat.type), prices),
            )
            for seat in seating.seats
        ],
    )
