"""Hall layout edits, seat type prices and the audit trail, through the servicer against a real
database; booking_svc is a fake that says which seats live bookings hold."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cinema_svc.bookings import BookedSeats
from cinema_svc.grpc_api import CinemaServiceServicer, Context
from cinemapb.audit.v1 import audit_pb2
from cinemapb.cinema.v1 import cinema_pb2
from svckit.errors import AlreadyExists, Conflict, InvalidArgument, NotFound, ServiceError
from svckit.identity import Caller
from tests.cinema_svc.conftest import (
    ADMIN,
    ANONYMOUS,
    USER,
    Clock,
    FakeBookings,
    context_of,
    new_hall,
    session_events,
    session_request,
)

STAFF = context_of(Caller(user_id=3, role="staff"))
VIP, WHEELCHAIR, COMPANION = (
    cinema_pb2.SEAT_TYPE_VIP,
    cinema_pb2.SEAT_TYPE_WHEELCHAIR,
    cinema_pb2.SEAT_TYPE_COMPANION,
)


def layout(hall_id: int, **changes: object) -> cinema_pb2.EditHallLayoutRequest:
    return cinema_pb2.EditHallLayoutRequest(hall_id=hall_id, **changes)  # type: ignore[arg-type]


async def test_one_layout_edit_renames_adds_retypes_and_removes_seats(
    servicer: CinemaServiceServicer,
) -> None:
    hall = await new_hall(servicer, rows=2, seats_per_row=3)
    first, second, third = hall.seats[0], hall.seats[1], hall.seats[2]
    edited = await servicer.EditHallLayout(
        layout(
            hall.id,
            name="Blue",
            add=[cinema_pb2.NewSeat(row=1, number=2, type=WHEELCHAIR)],
            retype=[cinema_pb2.SeatRetype(seat_id=third.id, type=VIP)],
            remove=[first.id, second.id],
        ),
        ADMIN,
    )
    assert edited.name == "Blue"
    places = {(s.row, s.number): s.type for s in edited.seats}
    assert (1, 1) not in places  # an aisle
    assert places[(1, 2)] == WHEELCHAIR  # added where one was removed
    assert places[(1, 3)] == VIP
    assert len(edited.seats) == 5


async def test_a_layout_edit_that_fails_changes_nothing(servicer: CinemaServiceServicer) -> None:
    hall = await new_hall(servicer, rows=1, seats_per_row=3)
    with pytest.raises(AlreadyExists):
        await servicer.EditHallLayout(
            layout(
                hall.id,
                name="Renamed",
                remove=[hall.seats[0].id],
                add=[cinema_pb2.NewSeat(row=1, number=2)],  # taken by a seat that stays
            ),
            ADMIN,
        )
    unchanged = await servicer.GetHall(cinema_pb2.GetHallRequest(id=hall.id), ANONYMOUS)
    assert unchanged == hall


async def test_seats_with_live_bookings_cannot_be_retyped_or_removed_and_the_sessions_are_named(
    servicer: CinemaServiceServicer, bookings: FakeBookings, clock: Clock
) -> None:
    hall = await new_hall(servicer, rows=1, seats_per_row=4)
    booked = hall.seats[1].id
    starts = clock.now + timedelta(days=2)
    await servicer.CreateSession(session_request(hall.id, starts), ADMIN)
    bookings.booked = [BookedSeats(session_id=42, starts_at=starts, seat_ids=(booked,))]
    for request in (
        layout(hall.id, remove=[booked]),
        layout(hall.id, retype=[cinema_pb2.SeatRetype(seat_id=booked, type=VIP)]),
        cinema_pb2.DeleteSeatRequest(id=booked),
        cinema_pb2.UpdateSeatRequest(id=booked, row=1, number=2, type=VIP),
    ):
        method = {
            cinema_pb2.EditHallLayoutRequest: servicer.EditHallLayout,
            cinema_pb2.DeleteSeatRequest: servicer.DeleteSeat,
            cinema_pb2.UpdateSeatRequest: servicer.UpdateSeat,
        }[type(request)]
        with pytest.raises(Conflict) as caught:
            await method(request, ADMIN)  # type: ignore[operator]
        assert caught.value.code == "seats_booked"
        assert "session 42" in caught.value.message
        assert caught.value.details["sessions"] == [
            {"session_id": 42, "start_time": starts.isoformat(), "seat_ids": [booked]}
        ]
    after = await servicer.GetHall(cinema_pb2.GetHallRequest(id=hall.id), ANONYMOUS)
    assert after == hall
    # the other seats may change, and retyping a booked seat to its own type is no change
    await servicer.EditHallLayout(
        layout(
            hall.id,
            remove=[hall.seats[0].id],
            retype=[cinema_pb2.SeatRetype(seat_id=booked, type=cinema_pb2.SEAT_TYPE_STANDARD)],
        ),
        ADMIN,
    )
    assert bookings.asked[-1] == [hall.seats[0].id]


async def test_a_hall_without_a_session_to_come_is_laid_out_without_asking_booking_svc(
    servicer: CinemaServiceServicer, bookings: FakeBookings, clock: Clock
) -> None:
    hall = await new_hall(servicer, rows=1, seats_per_row=4)
    later = clock.now + timedelta(days=2)
    bookings.booked = [BookedSeats(session_id=42, starts_at=later, seat_ids=(hall.seats[1].id,))]
    await servicer.EditHallLayout(layout(hall.id, remove=[hall.seats[1].id]), ADMIN)
    await servicer.DeleteSeat(cinema_pb2.DeleteSeatRequest(id=hall.seats[2].id), ADMIN)
    assert bookings.asked == []


async def test_a_layout_edit_names_seats_of_other_halls_as_not_found(
    servicer: CinemaServiceServicer,
) -> None:
    hall = await new_hall(servicer, number=1)
    other = await new_hall(servicer, number=2)
    with pytest.raises(NotFound) as caught:
        await servicer.EditHallLayout(layout(hall.id, remove=[other.seats[0].id]), ADMIN)
    assert caught.value.details == {"seat_ids": [other.seats[0].id]}


@pytest.mark.parametrize(
    "changes",
    [
        {"remove": [1], "retype": [cinema_pb2.SeatRetype(seat_id=1, type=VIP)]},
        {
            "retype": [
                cinema_pb2.SeatRetype(seat_id=1, type=VIP),
                cinema_pb2.SeatRetype(seat_id=1, type=WHEELCHAIR),
            ]
        },
        {"add": [cinema_pb2.NewSeat(row=0, number=1)]},
    ],
)
async def test_contradictory_or_invalid_layout_edits_are_refused(
    servicer: CinemaServiceServicer, changes: dict[str, object]
) -> None:
    hall = await new_hall(servicer)
    with pytest.raises(InvalidArgument):
        await servicer.EditHallLayout(layout(hall.id, **changes), ADMIN)


@pytest.mark.parametrize("context", [ANONYMOUS, USER, STAFF])
async def test_only_admins_edit_layouts_or_read_the_audit(
    servicer: CinemaServiceServicer, context: Context
) -> None:
    hall = await new_hall(servicer)
    with pytest.raises(ServiceError) as caught:
        await servicer.EditHallLayout(layout(hall.id, name="x"), context)
    assert caught.value.code in ("unauthenticated", "forbidden")
    with pytest.raises(ServiceError):
        await servicer.ListAudit(audit_pb2.ListAuditRequest(), context)
    with pytest.raises(ServiceError):
        await servicer.CreateSession(
            session_request(hall.id, datetime.now(UTC) + timedelta(days=1)), context
        )


def prices_of(session: cinema_pb2.Session) -> dict[int, int]:
    return {p.type: p.price_cents for p in session.prices}


async def test_a_session_prices_seat_types_by_multiplier_unless_it_sets_them(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer, rows=1, seats_per_row=2)
    start = clock.now + timedelta(days=1)
    plain = await servicer.CreateSession(session_request(hall.id, start), ADMIN)
    assert prices_of(plain) == {
        cinema_pb2.SEAT_TYPE_STANDARD: 1000,
        VIP: 1500,
        WHEELCHAIR: 800,
        COMPANION: 1000,
    }
    request = session_request(hall.id, start + timedelta(hours=3))
    request.prices.items.add(type=VIP, price_cents=2200)
    priced = await servicer.CreateSession(request, ADMIN)
    assert prices_of(priced)[VIP] == 2200
    assert prices_of(priced)[WHEELCHAIR] == 800


async def test_seating_uses_the_session_prices_and_a_change_without_prices_keeps_them(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer, rows=1, seats_per_row=2)
    await servicer.UpdateSeat(
        cinema_pb2.UpdateSeatRequest(id=hall.seats[0].id, row=1, number=1, type=VIP), ADMIN
    )
    request = session_request(hall.id, clock.now + timedelta(days=1))
    request.prices.items.add(type=VIP, price_cents=2500)
    session = await servicer.CreateSession(request, ADMIN)
    seating_request = cinema_pb2.GetSessionSeatingRequest(session_id=session.id)
    seating = await servicer.GetSessionSeating(seating_request, ANONYMOUS)
    assert [s.price_cents for s in seating.seats] == [2500, 1000]

    change = cinema_pb2.UpdateSessionRequest(
        id=session.id,
        movie_id=1,
        hall_id=hall.id,
        start_time=session.start_time,
        end_time=session.end_time,
        base_price_cents=1200,
    )
    kept = await servicer.UpdateSession(change, ADMIN)
    assert prices_of(kept)[VIP] == 2500
    assert prices_of(kept)[cinema_pb2.SEAT_TYPE_STANDARD] == 1200
    change.prices.SetInParent()  # present and empty: back to the multipliers
    reset = await servicer.UpdateSession(change, ADMIN)
    assert prices_of(reset)[VIP] == 1800
    seating = await servicer.GetSessionSeating(seating_request, ANONYMOUS)
    assert [s.price_cents for s in seating.seats] == [1800, 1200]


@pytest.mark.parametrize(
    ("seat_type", "cents"),
    [(cinema_pb2.SEAT_TYPE_STANDARD, 1000), (VIP, 0), (VIP, 1_000_001), (99, 100)],
)
async def test_bad_seat_type_prices_are_refused(
    servicer: CinemaServiceServicer, clock: Clock, seat_type: int, cents: int
) -> None:
    hall = await new_hall(servicer)
    request = session_request(hall.id, clock.now + timedelta(days=1))
    request.prices.items.add(type=seat_type, price_cents=cents)
    with pytest.raises(InvalidArgument):
        await servicer.CreateSession(request, ADMIN)


async def test_a_price_given_twice_is_refused(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer)
    request = session_request(hall.id, clock.now + timedelta(days=1))
    request.prices.items.add(type=VIP, price_cents=100)
    request.prices.items.add(type=VIP, price_cents=200)
    with pytest.raises(InvalidArgument):
        await servicer.CreateSession(request, ADMIN)


async def test_every_catalogue_change_is_audited_with_who_and_what_in_its_transaction(
    servicer: CinemaServiceServicer, engine: AsyncEngine, clock: Clock
) -> None:
    hall = await new_hall(servicer, number=5, rows=1, seats_per_row=2)
    await servicer.EditHallLayout(
        layout(
            hall.id,
            name="Gold",
            remove=[hall.seats[0].id],
            retype=[cinema_pb2.SeatRetype(seat_id=hall.seats[1].id, type=VIP)],
        ),
        ADMIN,
    )
    session = await servicer.CreateSession(
        session_request(hall.id, clock.now + timedelta(days=1)), ADMIN
    )
    await servicer.DeleteSession(cinema_pb2.DeleteSessionRequest(id=session.id), ADMIN)
    with pytest.raises(AlreadyExists):  # refused: no entry
        await new_hall(servicer, number=5)

    trail = await servicer.ListAudit(audit_pb2.ListAuditRequest(), ADMIN)
    assert trail.total == 6
    assert [(e.entity, e.action) for e in trail.items] == [
        ("session", "deleted"),
        ("session", "created"),
        ("seat", "updated"),
        ("seat", "deleted"),
        ("hall", "updated"),
        ("hall", "created"),
    ]
    assert {e.user_id for e in trail.items} == {1}
    assert json.loads(trail.items[2].changes_json) == {"type": "vip"}
    assert json.loads(trail.items[4].changes_json) == {"name": "Gold"}

    one_hall = await servicer.ListAudit(
        audit_pb2.ListAuditRequest(entity="hall", entity_id=hall.id, page_size=1), ADMIN
    )
    assert (one_hall.total, [e.action for e in one_hall.items]) == (2, ["updated"])
    async with engine.connect() as conn:
        stored = await conn.scalar(text("SELECT count(*) FROM audit_log"))
    assert stored == 6
    assert len(await session_events(engine)) >= 2


async def test_the_audit_refuses_unknown_entities(servicer: CinemaServiceServicer) -> None:
    with pytest.raises(InvalidArgument):
        await servicer.ListAudit(audit_pb2.ListAuditRequest(entity="movie"), ADMIN)
    with pytest.raises(InvalidArgument):
        await servicer.ListAudit(audit_pb2.ListAuditRequest(entity_id=3), ADMIN)
