"""Halls and seats through the servicer, against a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cinema_svc.grpc_api import CinemaServiceServicer, Context
from cinemapb.cinema.v1 import cinema_pb2
from svckit.errors import (
    AlreadyExists,
    Conflict,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ServiceError,
    Unauthenticated,
)
from tests.cinema_svc.conftest import (
    ADMIN,
    ANONYMOUS,
    USER,
    Clock,
    new_hall,
    session_events,
    session_request,
)


async def test_a_new_hall_lays_out_rows_of_standard_seats(
    servicer: CinemaServiceServicer,
) -> None:
    hall = await new_hall(servicer, number=7, rows=3, seats_per_row=4)
    assert (hall.number, hall.name) == (7, "Hall 7")
    assert [(s.row, s.number) for s in hall.seats] == [
        (row, n) for row in range(1, 4) for n in range(1, 5)
    ]
    assert {s.type for s in hall.seats} == {cinema_pb2.SEAT_TYPE_STANDARD}
    fetched = await servicer.GetHall(cinema_pb2.GetHallRequest(id=hall.id), ANONYMOUS)
    assert fetched == hall


async def test_a_hall_without_layout_has_no_seats(servicer: CinemaServiceServicer) -> None:
    hall = await new_hall(servicer, rows=0, seats_per_row=0)
    assert list(hall.seats) == []


async def test_hall_numbers_are_unique(servicer: CinemaServiceServicer) -> None:
    await new_hall(servicer, number=3)
    with pytest.raises(AlreadyExists) as caught:
        await new_hall(servicer, number=3)
    assert caught.value.code == "hall_exists"
    other = await new_hall(servicer, number=4)
    with pytest.raises(AlreadyExists):
        await servicer.UpdateHall(
            cinema_pb2.UpdateHallRequest(id=other.id, number=3, name="x"), ADMIN
        )


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (cinema_pb2.CreateHallRequest(number=1, rows=5), "invalid_layout"),
        (cinema_pb2.CreateHallRequest(number=1, rows=51, seats_per_row=10), "invalid_layout"),
        (cinema_pb2.CreateHallRequest(number=0), "invalid_hall_number"),
        (cinema_pb2.CreateHallRequest(number=1, name="x" * 101), "invalid_hall_name"),
    ],
)
async def test_a_hall_with_bad_input_is_invalid_argument(
    servicer: CinemaServiceServicer, request_: cinema_pb2.CreateHallRequest, code: str
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await servicer.CreateHall(request_, ADMIN)
    assert caught.value.code == code


async def test_halls_are_listed_by_number_with_a_total(servicer: CinemaServiceServicer) -> None:
    for number in (5, 2, 9):
        await new_hall(servicer, number=number)
    first = await servicer.ListHalls(cinema_pb2.ListHallsRequest(page=1, page_size=2), ANONYMOUS)
    second = await servicer.ListHalls(cinema_pb2.ListHallsRequest(page=2, page_size=2), ANONYMOUS)
    assert [h.number for h in first.items] == [2, 5]
    assert [h.number for h in second.items] == [9]
    assert first.total == second.total == 3
    assert len(first.items[0].seats) == 6


async def test_seats_are_unique_per_hall_row_and_number(servicer: CinemaServiceServicer) -> None:
    hall = await new_hall(servicer, rows=1, seats_per_row=2)
    add = cinema_pb2.AddSeatRequest(hall_id=hall.id, row=1, number=3, type=cinema_pb2.SEAT_TYPE_VIP)
    seat = await servicer.AddSeat(add, ADMIN)
    assert (seat.hall_id, seat.row, seat.number, seat.type) == (
        hall.id,
        1,
        3,
        cinema_pb2.SEAT_TYPE_VIP,
    )
    with pytest.raises(AlreadyExists) as caught:
        await servicer.AddSeat(add, ADMIN)
    assert caught.value.code == "seat_exists"
    with pytest.raises(AlreadyExists):
        await servicer.UpdateSeat(cinema_pb2.UpdateSeatRequest(id=seat.id, row=1, number=1), ADMIN)


@pytest.mark.parametrize(
    ("row", "number", "seat_type", "code"),
    [
        (0, 1, cinema_pb2.SEAT_TYPE_STANDARD, "invalid_seat_position"),
        (1, 201, cinema_pb2.SEAT_TYPE_STANDARD, "invalid_seat_position"),
        (-3, 1, cinema_pb2.SEAT_TYPE_STANDARD, "invalid_seat_position"),
        (1, 1, 42, "invalid_seat_type"),
    ],
)
async def test_a_seat_with_bad_input_is_invalid_argument(
    servicer: CinemaServiceServicer, row: int, number: int, seat_type: int, code: str
) -> None:
    hall = await new_hall(servicer, rows=0, seats_per_row=0)
    request = cinema_pb2.AddSeatRequest(hall_id=hall.id, row=row, number=number)
    request.type = seat_type  # type: ignore[assignment]
    with pytest.raises(InvalidArgument) as caught:
        await servicer.AddSeat(request, ADMIN)
    assert caught.value.code == code


async def test_unknown_halls_and_seats_are_not_found(servicer: CinemaServiceServicer) -> None:
    calls = [
        (servicer.GetHall(cinema_pb2.GetHallRequest(id=999), ANONYMOUS), "hall_not_found"),
        (
            servicer.UpdateHall(cinema_pb2.UpdateHallRequest(id=999, number=1), ADMIN),
            "hall_not_found",
        ),
        (servicer.DeleteHall(cinema_pb2.DeleteHallRequest(id=999), ADMIN), "hall_not_found"),
        (
            servicer.AddSeat(cinema_pb2.AddSeatRequest(hall_id=999, row=1, number=1), ADMIN),
            "hall_not_found",
        ),
        (
            servicer.UpdateSeat(cinema_pb2.UpdateSeatRequest(id=999, row=1, number=1), ADMIN),
            "seat_not_found",
        ),
        (servicer.DeleteSeat(cinema_pb2.DeleteSeatRequest(id=999), ADMIN), "seat_not_found"),
    ]
    for call, code in calls:
        with pytest.raises(NotFound) as caught:
            await call
        assert caught.value.code == code


async def test_a_seat_can_be_moved_retyped_and_removed(servicer: CinemaServiceServicer) -> None:
    hall = await new_hall(servicer, rows=1, seats_per_row=2)
    seat = hall.seats[0]
    moved = await servicer.UpdateSeat(
        cinema_pb2.UpdateSeatRequest(
            id=seat.id, row=4, number=9, type=cinema_pb2.SEAT_TYPE_WHEELCHAIR
        ),
        ADMIN,
    )
    assert (moved.id, moved.row, moved.number, moved.type) == (
        seat.id,
        4,
        9,
        cinema_pb2.SEAT_TYPE_WHEELCHAIR,
    )
    await servicer.DeleteSeat(cinema_pb2.DeleteSeatRequest(id=seat.id), ADMIN)
    after = await servicer.GetHall(cinema_pb2.GetHallRequest(id=hall.id), ANONYMOUS)
    assert [s.id for s in after.seats] == [hall.seats[1].id]


async def test_a_hall_with_sessions_cannot_be_deleted(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    busy = await new_hall(servicer, number=1)
    free = await new_hall(servicer, number=2)
    await servicer.CreateSession(session_request(busy.id, clock.now + timedelta(days=1)), ADMIN)
    with pytest.raises(Conflict) as caught:
        await servicer.DeleteHall(cinema_pb2.DeleteHallRequest(id=busy.id), ADMIN)
    assert caught.value.code == "hall_in_use"
    await servicer.DeleteHall(cinema_pb2.DeleteHallRequest(id=free.id), ADMIN)
    with pytest.raises(NotFound):
        await servicer.GetHall(cinema_pb2.GetHallRequest(id=free.id), ANONYMOUS)


async def test_changing_seats_announces_the_live_sessions_of_that_hall(
    servicer: CinemaServiceServicer, engine: AsyncEngine, clock: Clock
) -> None:
    hall = await new_hall(servicer, number=1)
    other = await new_hall(servicer, number=2)
    start = clock.now + timedelta(hours=1)
    await servicer.CreateSession(session_request(hall.id, start, minutes=60), ADMIN)
    live = await servicer.CreateSession(session_request(hall.id, start + timedelta(days=1)), ADMIN)
    cancelled = await servicer.CreateSession(
        session_request(hall.id, start + timedelta(days=2)), ADMIN
    )
    await servicer.DeleteSession(cinema_pb2.DeleteSessionRequest(id=cancelled.id), ADMIN)
    await servicer.CreateSession(session_request(other.id, start + timedelta(days=1)), ADMIN)
    clock.advance(timedelta(hours=3))
    before = len(await session_events(engine))

    await servicer.AddSeat(cinema_pb2.AddSeatRequest(hall_id=hall.id, row=9, number=9), ADMIN)
    await servicer.UpdateHall(
        cinema_pb2.UpdateHallRequest(id=hall.id, number=1, name="Renamed"), ADMIN
    )

    announced = (await session_events(engine))[before:]
    assert [e.session.id for e in announced] == [live.id, live.id]


async def test_hall_and_seat_writes_need_an_admin(servicer: CinemaServiceServicer) -> None:
    hall = await new_hall(servicer)
    writes = {
        "CreateHall": cinema_pb2.CreateHallRequest(number=50),
        "UpdateHall": cinema_pb2.UpdateHallRequest(id=hall.id, number=51),
        "DeleteHall": cinema_pb2.DeleteHallRequest(id=hall.id),
        "AddSeat": cinema_pb2.AddSeatRequest(hall_id=hall.id, row=5, number=5),
        "UpdateSeat": cinema_pb2.UpdateSeatRequest(id=hall.seats[0].id, row=5, number=5),
        "DeleteSeat": cinema_pb2.DeleteSeatRequest(id=hall.seats[0].id),
    }
    expected: list[tuple[Context, type[ServiceError]]] = [
        (ANONYMOUS, Unauthenticated),
        (USER, PermissionDenied),
    ]
    for method, request in writes.items():
        for context, error in expected:
            with pytest.raises(error):
                await getattr(servicer, method)(request, context)
    assert await servicer.GetHall(cinema_pb2.GetHallRequest(id=hall.id), ANONYMOUS) == hall
