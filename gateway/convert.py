"""Protobuf messages as the JSON the gateway answers with; the only place that translates them."""

from __future__ import annotations

from typing import Any, TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.movie.v1 import movie_pb2
from cinemapb.user.v1 import user_pb2
from gateway.schemas import (
    BookedSeatOut,
    BookingOut,
    GenreOut,
    HallOut,
    HallSeatOut,
    MovieOut,
    PageParams,
    Paginated,
    PushSubscriptionOut,
    SeatOut,
    SessionOut,
    UserOut,
)
from svckit.protoconv import from_timestamp
from svckit.vocabulary import (
    BOOKING_STATUS,
    MOVIE_STATUS,
    PAYMENT_STATUS,
    ROLE,
    SEAT_STATUS,
    SEAT_TYPE,
    SESSION_STATUS,
)

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def money(cents: int) -> float:
    """Minor units (cents) as a JSON number in currency units."""
    return cents / 100


def copied(model: type[M], message: Message, **computed: Any) -> M:
    """The model from the message's fields of the same names (timestamps as datetimes);
    `computed` gives the fields that need more than a copy."""
    values = {}
    for name in model.model_fields:
        value = computed[name] if name in computed else getattr(message, name)
        values[name] = from_timestamp(value) if isinstance(value, Timestamp) else value
    return model(**values)


def paginated(items: list[T], total: int, page: PageParams) -> Paginated[T]:
    return Paginated[T](items=items, total=total, page=page.page, page_size=page.page_size)


def genre_out(genre: movie_pb2.Genre) -> GenreOut:
    return copied(GenreOut, genre)


def movie_out(movie: movie_pb2.Movie) -> MovieOut:
    return copied(
        MovieOut,
        movie,
        movie_status=MOVIE_STATUS.label(movie.movie_status),
        genres=[genre_out(genre) for genre in movie.genres],
    )


def seat_out(seat: cinema_pb2.Seat) -> HallSeatOut:
    return copied(HallSeatOut, seat, type=SEAT_TYPE.label(seat.type))


def hall_out(hall: cinema_pb2.Hall) -> HallOut:
    seats = [copied(SeatOut, seat, type=SEAT_TYPE.label(seat.type)) for seat in hall.seats]
    return copied(HallOut, hall, seats=seats)


def session_out(session: cinema_pb2.Session) -> SessionOut:
    return copied(
        SessionOut,
        session,
        base_price=money(session.base_price_cents),
        status=SESSION_STATUS.label(session.status),
        prices={SEAT_TYPE.label(p.type): money(p.price_cents) for p in session.prices},
    )


def user_out(user: user_pb2.User) -> UserOut:
    return copied(UserOut, user, role=ROLE.label(user.role))


def push_subscription_out(subscription: user_pb2.PushSubscription) -> PushSubscriptionOut:
    return copied(PushSubscriptionOut, subscription)


def priced_seat(seat: booking_pb2.BookedSeat | booking_pb2.SeatState) -> dict[str, Any]:
    """A seat with its place, type and price, as a booking and the seat map show it."""
    return {
        "seat_id": seat.seat_id,
        "row": seat.row,
        "number": seat.number,
        "type": SEAT_TYPE.label(seat.type),
        "price": money(seat.price_cents),
    }


def seat_state(seat: booking_pb2.SeatState) -> dict[str, Any]:
    """A seat of a session's seat map, as GET /api/sessions/{id}/seats and the live feed show it."""
    return priced_seat(seat) | {"status": SEAT_STATUS.label(seat.status)}


def booking_out(booking: booking_pb2.Booking) -> BookingOut:
    return copied(
        BookingOut,
        booking,
        status=BOOKING_STATUS.label(booking.status),
        payment_status=PAYMENT_STATUS.label(booking.payment_status),
        seats=[BookedSeatOut(**priced_seat(seat)) for seat in booking.seats],
        total_price=money(booking.total_price_cents),
        reason=booking.reason or None,
    )
