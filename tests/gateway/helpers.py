"""Protobuf replies the fake services give, and the error body check."""

from __future__ import annotations

import httpx
from google.protobuf.timestamp_pb2 import Timestamp

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.movie.v1 import movie_pb2
from cinemapb.user.v1 import user_pb2

MOMENT = Timestamp(seconds=1_900_000_000)
"""2030-03-17T17:46:40Z"""
LATER = Timestamp(seconds=1_900_007_200)


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["code"], str)
    if code is not None:
        assert body["code"] == code


def a_user(user_id: int = 7, role: user_pb2.Role.ValueType = user_pb2.ROLE_USER) -> user_pb2.User:
    return user_pb2.User(
        id=user_id,
        email="ada@example.com",
        name="Ada",
        role=role,
        created_at=MOMENT,
        updated_at=MOMENT,
    )


def a_genre(genre_id: int = 3, name: str = "Drama") -> movie_pb2.Genre:
    return movie_pb2.Genre(id=genre_id, name=name)


def a_movie(movie_id: int = 5) -> movie_pb2.Movie:
    return movie_pb2.Movie(
        id=movie_id,
        title="Arrival",
        description="Linguists.",
        year=2016,
        duration=116,
        age_rating="PG-13",
        movie_status=movie_pb2.MOVIE_STATUS_NOW_SHOWING,
        genres=[a_genre()],
        created_at=MOMENT,
        updated_at=MOMENT,
    )


def a_seat(
    seat_id: int = 11, seat_type: cinema_pb2.SeatType.ValueType = cinema_pb2.SEAT_TYPE_VIP
) -> cinema_pb2.Seat:
    return cinema_pb2.Seat(id=seat_id, hall_id=2, row=1, number=4, type=seat_type)


def a_hall(hall_id: int = 2) -> cinema_pb2.Hall:
    return cinema_pb2.Hall(id=hall_id, number=12, name="Red Hall", seats=[a_seat()])


def a_session(session_id: int = 4) -> cinema_pb2.Session:
    return cinema_pb2.Session(
        id=session_id,
        movie_id=5,
        hall_id=2,
        start_time=MOMENT,
        end_time=LATER,
        base_price_cents=1250,
        status=cinema_pb2.SESSION_STATUS_SCHEDULED,
        prices=[
            cinema_pb2.SeatTypePrice(type=cinema_pb2.SEAT_TYPE_STANDARD, price_cents=1250),
            cinema_pb2.SeatTypePrice(type=cinema_pb2.SEAT_TYPE_VIP, price_cents=2000),
        ],
    )


def a_booking(booking_id: str = "8d7f2b52-2a6e-4a3e-9a59-3f1f5c1b8b1e") -> booking_pb2.Booking:
    return booking_pb2.Booking(
        id=booking_id,
        user_id=7,
        session_id=4,
        seats=[
            booking_pb2.BookedSeat(
                seat_id=11, row=1, number=4, type=cinema_pb2.SEAT_TYPE_VIP, price_cents=1875
            )
        ],
        total_price_cents=1875,
        status=booking_pb2.BOOKING_STATUS_PENDING,
        payment_status=booking_pb2.PAYMENT_STATUS_PENDING,
        created_at=MOMENT,
        expires_at=LATER,
        updated_at=MOMENT,
    )
