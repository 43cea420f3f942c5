"""Sessions through the servicer, against a real database with its exclusion constraint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from cinema_svc.grpc_api import CinemaServiceServicer
from cinemapb.cinema.v1 import cinema_pb2
from svckit.errors import (
    Conflict,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ServiceError,
    Unauthenticated,
)
from svckit.protoconv import from_timestamp, to_timestamp
from tests.cinema_svc.conftest import (
    ADMIN,
    ANONYMOUS,
    USER,
    Clock,
    FakeMovies,
    new_hall,
    session_events,
    session_request,
)


def update_request(
    session: cinema_pb2.Session, **changes: int | datetime
) -> cinema_pb2.UpdateSessionRequest:
    """An update that keeps everything of `session` except `changes`."""
    request = cinema_pb2.UpdateSessionRequest(
        id=session.id,
        movie_id=session.movie_id,
        hall_id=session.hall_id,
        start_time=session.start_time,
        end_time=session.end_time,
        base_price_cents=session.base_price_cents,
    )
    for name, value in changes.items():
        if isinstance(value, datetime):
            getattr(request, name).CopyFrom(to_timestamp(value))
        else:
            setattr(request, name, value)
    return request


async def test_a_created_session_is_scheduled_with_its_times_and_price(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer)
    start = clock.now + timedelta(days=1)
    session = await servicer.CreateSession(
        session_request(hall.id, start, 95, movie_id=2, base_price_cents=1250), ADMIN
    )
    assert (session.movie_id, session.hall_id, session.base_price_cents) == (2, hall.id, 1250)
    assert from_timestamp(session.start_time) == start
    assert from_timestamp(session.end_time) == start + timedelta(minutes=95)
    assert session.status == cinema_pb2.SESSION_STATUS_SCHEDULED
    assert await servicer.GetSession(cinema_pb2.GetSessionRequest(id=session.id), USER) == session


async def test_a_session_without_a_price_costs_the_default(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer)
    request = session_request(hall.id, clock.now + timedelta(days=1), base_price_cents=0)
    session = await servicer.CreateSession(request, ADMIN)
    assert session.base_price_cents == 1000


async def test_overlapping_sessions_in_one_hall_are_refused_but_touching_ones_are_not(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer, number=1)
    other = await new_hall(servicer, number=2)
    start = clock.now + timedelta(days=1)
    await servicer.CreateSession(session_request(hall.id, start, 120), ADMIN)
    for offset, minutes in [(0, 120), (-30, 60), (119, 30), (30, 10), (-60, 300)]:
        with pytest.raises(Conflict) as caught:
            await servicer.CreateSession(
                session_request(hall.id, start + timedelta(minutes=offset), minutes), ADMIN
            )
        assert caught.value.code == "session_overlap"
    await servicer.CreateSession(session_request(hall.id, start + timedelta(minutes=120)), ADMIN)
    await servicer.CreateSession(session_request(hall.id, start - timedelta(minutes=60), 60), ADMIN)
    await servicer.CreateSession(session_request(other.id, start), ADMIN)


async def test_cancelling_a_session_frees_its_slot_and_keeps_the_row(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer)
    request = session_request(hall.id, clock.now + timedelta(days=1))
    first = await servicer.CreateSession(request, ADMIN)
    await servicer.DeleteSession(cinema_pb2.DeleteSessionRequest(id=first.id), ADMIN)
    await servicer.DeleteSession(cinema_pb2.DeleteSessionRequest(id=first.id), ADMIN)
    second = await servicer.CreateSession(request, ADMIN)
    kept = await servicer.GetSession(cinema_pb2.GetSessionRequest(id=first.id), ANONYMOUS)
    assert kept.status == cinema_pb2.SESSION_STATUS_CANCELLED
    assert second.id != first.id
    with pytest.raises(Conflict) as caught:
        await servicer.UpdateSession(update_request(kept, base_price_cents=2000), ADMIN)
    assert caught.value.code == "session_cancelled"


async def test_status_follows_the_clock(servicer: CinemaServiceServicer, clock: Clock) -> None:
    hall = await new_hall(servicer)
    session = await servicer.CreateSession(
        session_request(hall.id, clock.now + timedelta(hours=1), 120), ADMIN
    )
    get = cinema_pb2.GetSessionRequest(id=session.id)
    assert (await servicer.GetSession(get, ANONYMOUS)).status == cinema_pb2.SESSION_STATUS_SCHEDULED
    clock.advance(timedelta(hours=2))
    assert (await servicer.GetSession(get, ANONYMOUS)).status == cinema_pb2.SESSION_STATUS_ONGOING
    with pytest.raises(Conflict) as caught:
        await servicer.UpdateSession(update_request(session, base_price_cents=2000), ADMIN)
    assert caught.value.code == "session_started"
    clock.advance(timedelta(hours=2))
    assert (await servicer.GetSession(get, ANONYMOUS)).status == cinema_pb2.SESSION_STATUS_FINISHED
    with pytest.raises(Conflict) as caught:
        await servicer.DeleteSession(cinema_pb2.DeleteSessionRequest(id=session.id), ADMIN)
    assert caught.value.code == "session_finished"


async def test_unknown_movie_hall_or_session_is_not_found(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer)
    start = clock.now + timedelta(days=1)
    with pytest.raises(NotFound) as caught:
        await servicer.CreateSession(session_request(hall.id, start, movie_id=404), ADMIN)
    assert caught.value.code == "movie_not_found"
    with pytest.raises(NotFound) as caught:
        await servicer.CreateSession(session_request(hall.id + 100, start), ADMIN)
    assert caught.value.code == "hall_not_found"
    missing = cinema_pb2.Session(id=999, movie_id=1, hall_id=hall.id)
    for call in (
        servicer.GetSession(cinema_pb2.GetSessionRequest(id=999), ANONYMOUS),
        servicer.GetSessionSeating(cinema_pb2.GetSessionSeatingRequest(session_id=999), ANONYMOUS),
        servicer.DeleteSession(cinema_pb2.DeleteSessionRequest(id=999), ADMIN),
        servicer.UpdateSession(
            update_request(missing, start_time=start, end_time=start + timedelta(hours=2)), ADMIN
        ),
    ):
        with pytest.raises(NotFound) as caught:
            await call
        assert caught.value.code == "session_not_found"


async def test_a_session_must_start_in_the_future_and_end_after_it_starts(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer)
    bad = [
        session_request(hall.id, clock.now - timedelta(minutes=1)),
        session_request(hall.id, clock.now + timedelta(days=1), minutes=0),
        session_request(hall.id, clock.now + timedelta(days=1), minutes=-30),
        cinema_pb2.CreateSessionRequest(movie_id=1, hall_id=hall.id),
    ]
    for request in bad:
        with pytest.raises(InvalidArgument) as caught:
            await servicer.CreateSession(request, ADMIN)
        assert caught.value.code == "invalid_time_range"


async def test_an_update_is_checked_like_a_create(
    servicer: CinemaServiceServicer, clock: Clock, movies: FakeMovies
) -> None:
    hall = await new_hall(servicer, number=1)
    other = await new_hall(servicer, number=2)
    start = clock.now + timedelta(days=1)
    first = await servicer.CreateSession(session_request(hall.id, start), ADMIN)
    second = await servicer.CreateSession(
        session_request(hall.id, start + timedelta(hours=3)), ADMIN
    )
    movies.asked.clear()

    moved = await servicer.UpdateSession(
        update_request(second, start_time=start + timedelta(hours=4), base_price_cents=0), ADMIN
    )
    assert from_timestamp(moved.start_time) == start + timedelta(hours=4)
    assert moved.base_price_cents == second.base_price_cents
    assert movies.asked == []

    refused: list[tuple[cinema_pb2.UpdateSessionRequest, type[ServiceError], str]] = [
        (update_request(moved, start_time=start), Conflict, "session_overlap"),
        (update_request(first, movie_id=404), NotFound, "movie_not_found"),
        (update_request(first, hall_id=999), NotFound, "hall_not_found"),
        (update_request(first, end_time=start), InvalidArgument, "invalid_time_range"),
    ]
    for request, error, code in refused:
        with pytest.raises(error) as caught:
            await servicer.UpdateSession(request, ADMIN)
        assert caught.value.code == code

    elsewhere = await servicer.UpdateSession(
        update_request(first, hall_id=other.id, movie_id=3), ADMIN
    )
    assert (elsewhere.hall_id, elsewhere.movie_id) == (other.id, 3)
    assert movies.asked == [404, 3]


async def test_sessions_are_listed_by_start_with_filters_and_a_total(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer, number=1)
    other = await new_hall(servicer, number=2)
    day = (clock.now + timedelta(days=2)).replace(hour=0, minute=0, second=0)
    late = await servicer.CreateSession(session_request(hall.id, day + timedelta(hours=20)), ADMIN)
    early = await servicer.CreateSession(
        session_request(other.id, day + timedelta(hours=10), movie_id=2), ADMIN
    )
    next_day = await servicer.CreateSession(
        session_request(hall.id, day + timedelta(days=1, hours=10)), ADMIN
    )

    def listing(**filters: int | str) -> cinema_pb2.ListSessionsRequest:
        return cinema_pb2.ListSessionsRequest(**filters)  # type: ignore[arg-type]

    async def ids(request: cinema_pb2.ListSessionsRequest) -> tuple[list[int], int]:
        answer = await servicer.ListSessions(request, ANONYMOUS)
        return [s.id for s in answer.items], answer.total

    assert await ids(listing()) == ([early.id, late.id, next_day.id], 3)
    assert await ids(listing(hall_id=hall.id)) == ([late.id, next_day.id], 2)
    assert await ids(listing(movie_id=2)) == ([early.id], 1)
    assert await ids(listing(date=day.date().isoformat())) == ([early.id, late.id], 2)
    assert await ids(listing(date=day.date().isoformat(), movie_id=1)) == ([late.id], 1)
    assert await ids(listing(page=2, page_size=2)) == ([next_day.id], 3)
    assert await ids(listing(hall_id=999)) == ([], 0)
    with pytest.raises(InvalidArgument) as caught:
        await servicer.ListSessions(listing(date="31/12/2030"), ANONYMOUS)
    assert caught.value.code == "invalid_date"


async def test_seating_prices_every_seat_of_the_hall_by_type(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer, number=4, rows=1, seats_per_row=1)
    vip = await servicer.AddSeat(
        cinema_pb2.AddSeatRequest(hall_id=hall.id, row=2, number=1, type=cinema_pb2.SEAT_TYPE_VIP),
        ADMIN,
    )
    wheelchair = await servicer.AddSeat(
        cinema_pb2.AddSeatRequest(
            hall_id=hall.id, row=1, number=2, type=cinema_pb2.SEAT_TYPE_WHEELCHAIR
        ),
        ADMIN,
    )
    session = await servicer.CreateSession(
        session_request(hall.id, clock.now + timedelta(days=1), base_price_cents=1100), ADMIN
    )
    seating = await servicer.GetSessionSeating(
        cinema_pb2.GetSessionSeatingRequest(session_id=session.id), ANONYMOUS
    )
    assert seating.session == session
    assert seating.hall_name == "Hall 4"
    assert [(s.seat_id, s.row, s.number, s.type, s.price_cents) for s in seating.seats] == [
        (hall.seats[0].id, 1, 1, cinema_pb2.SEAT_TYPE_STANDARD, 1100),
        (wheelchair.id, 1, 2, cinema_pb2.SEAT_TYPE_WHEELCHAIR, 880),
        (vip.id, 2, 1, cinema_pb2.SEAT_TYPE_VIP, 1650),
    ]


async def test_every_session_change_writes_a_session_changed_event(
    servicer: CinemaServiceServicer, engine: AsyncEngine, clock: Clock
) -> None:
    hall = await new_hall(servicer)
    start = clock.now + timedelta(days=1)
    created = await servicer.CreateSession(session_request(hall.id, start), ADMIN)
    updated = await servicer.UpdateSession(update_request(created, base_price_cents=1500), ADMIN)
    await servicer.DeleteSession(cinema_pb2.DeleteSessionRequest(id=created.id), ADMIN)
    await servicer.CreateSession(session_request(hall.id, start), ADMIN)
    with pytest.raises(Conflict):
        await servicer.CreateSession(session_request(hall.id, start), ADMIN)

    events = await session_events(engine)
    assert [e.session for e in events[:2]] == [created, updated]
    assert events[2].session.status == cinema_pb2.SESSION_STATUS_CANCELLED
    assert len(events) == 4
    assert events[3].session.id != created.id
    assert len({e.event_id for e in events}) == 4
    assert all(e.time.ToDatetime(tzinfo=UTC) == clock.now for e in events)


async def test_session_writes_need_an_admin(servicer: CinemaServiceServicer, clock: Clock) -> None:
    hall = await new_hall(servicer)
    session = await servicer.CreateSession(
        session_request(hall.id, clock.now + timedelta(days=1)), ADMIN
    )
    for context, error in [(ANONYMOUS, Unauthenticated), (USER, PermissionDenied)]:
        with pytest.raises(error):
            await servicer.CreateSession(session_request(hall.id, clock.now), context)
        with pytest.raises(error):
            await servicer.UpdateSession(update_request(session), context)
        with pytest.raises(error):
            await servicer.DeleteSession(cinema_pb2.DeleteSessionRequest(id=session.id), context)
    assert (
        await servicer.GetSession(cinema_pb2.GetSessionRequest(id=session.id), ANONYMOUS)
    ).status == cinema_pb2.SESSION_STATUS_SCHEDULED
