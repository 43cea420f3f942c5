"""Showtime lists with hall, seats left and lowest price; the public config and the page's
meta tags."""

from __future__ import annotations

import grpc
import httpx
import pytest

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from gateway.settings import GatewaySettings
from tests.gateway.conftest import JWT_SECRET
from tests.gateway.fakes import FakeClients, failed_call
from tests.gateway.helpers import a_session


def two_sessions(services: FakeClients) -> None:
    first, second = a_session(), a_session()
    second.id = 9
    services.cinema.replies["ListSessions"] = cinema_pb2.ListSessionsResponse(
        items=[first, second], total=2
    )


async def test_each_showtime_has_its_hall_seats_left_and_lowest_price_from_one_call(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    two_sessions(services)
    services.booking.replies["SummarizeSessions"] = booking_pb2.SessionSummaries(
        items=[
            booking_pb2.SessionSummary(
                session_id=4,
                hall_name="Red Hall",
                seats_total=120,
                seats_free=0,
                lowest_price_cents=1000,
            ),
            booking_pb2.SessionSummary(
                session_id=9,
                hall_name="Blue Hall",
                seats_total=80,
                seats_free=17,
                lowest_price_cents=1120,
            ),
        ]
    )
    items = (await api.get("/api/sessions")).json()["items"]
    assert [
        (i["id"], i["hall_name"], i["seats_total"], i["seats_left"], i["lowest_price"])
        for i in items
    ] == [(4, "Red Hall", 120, 0, 10.0), (9, "Blue Hall", 80, 17, 11.2)]
    [call] = [c for c in services.booking.calls if c.method == "SummarizeSessions"]
    assert list(call.request.session_ids) == [4, 9]


async def test_showtimes_are_still_listed_when_the_booking_service_does_not_answer(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    two_sessions(services)
    services.booking.replies["SummarizeSessions"] = failed_call(grpc.StatusCode.UNAVAILABLE)
    response = await api.get("/api/sessions")
    assert response.status_code == 200
    assert [item["seats_left"] for item in response.json()["items"]] == [None, None]


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(jwt_secret=JWT_SECRET, currency="CHF", cinema_timezone="Europe/Zurich")


async def test_the_config_names_the_currency_and_the_cinemas_time_zone(
    api: httpx.AsyncClient,
) -> None:
    assert (await api.get("/api/config")).json() == {
        "currency": "CHF",
        "timezone": "Europe/Zurich",
        "booking_max_seats": 4,
        "hold_seconds": 900,
    }


async def test_the_page_carries_the_same_config_in_its_meta_tags(api: httpx.AsyncClient) -> None:
    page = (await api.get("/")).text
    assert '<meta name="cinema-currency" content="CHF" />' in page
    assert '<meta name="cinema-timezone" content="Europe/Zurich" />' in page
    assert '<meta name="booking-max-seats" content="4" />' in page
    assert "{{" not in page
