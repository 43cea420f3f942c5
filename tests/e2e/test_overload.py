"""Graceful overload on a real gateway: past its in-flight limit a hold is answered 503
`overloaded` with Retry-After at once, books nothing, and health is still served."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import psycopg
import pytest

from tests.conftest import GATEWAY_PORT, RunningStack
from tests.e2e.test_booking_race import all_at_once, users
from tests.e2e.test_bookings import Headers, hold, make_show
from tests.e2e.test_halls import assert_error
from tests.helpers import admin_token, bearer

NARROW_GATEWAY_PORT = GATEWAY_PORT + 800
HOLDS_IN_FLIGHT = 2
RACERS = 30


@pytest.fixture(scope="module")
def narrow_gateway(running_stack: RunningStack) -> Iterator[httpx.Client]:
    """Another gateway in front of the same services that admits two holds at a time."""
    with running_stack.gateway_replica(
        NARROW_GATEWAY_PORT,
        "narrow-gateway",
        GATEWAY_MAX_IN_FLIGHT_BOOKINGS=str(HOLDS_IN_FLIGHT),
        GATEWAY_OVERLOAD_RETRY_AFTER_SECONDS="3",
    ) as client:
        yield client


def bookings_of_session(running_stack: RunningStack, session_id: int) -> int:
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT count(*) FROM bookings WHERE session_id = %s", (session_id,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_holds_past_the_limit_are_shed_with_retry_after_and_book_nothing(
    api: httpx.Client, narrow_gateway: httpx.Client, running_stack: RunningStack
) -> None:
    admin: Headers = bearer(admin_token(api))
    show = make_show(api, admin, rows=4, seats_per_row=10)
    racers = users(api, RACERS)

    def one(index: int) -> httpx.Response:
        return hold(narrow_gateway, racers[index], show.session_id, [show.seat_ids[index]])

    answers = all_at_once(RACERS, one)

    statuses = sorted({answer.status_code for answer in answers})
    shed = [answer for answer in answers if answer.status_code == 503]
    held = [answer for answer in answers if answer.status_code == 201]
    assert statuses == [201, 503], statuses
    for answer in shed:
        assert_error(answer, 503, "overloaded")
        assert answer.headers["Retry-After"] == "3"
    assert bookings_of_session(running_stack, show.session_id) == len(held)
    assert narrow_gateway.get("/healthz").status_code == 200


def test_holds_within_the_limit_are_never_shed(
    api: httpx.Client, narrow_gateway: httpx.Client, running_stack: RunningStack
) -> None:
    admin: Headers = bearer(admin_token(api))
    show = make_show(api, admin)
    (buyer,) = users(api, 1)
    for seat in show.seat_ids[:4]:
        answer = hold(narrow_gateway, buyer, show.session_id, [seat])
        assert answer.status_code == 201, answer.text
    assert bookings_of_session(running_stack, show.session_id) == 4
