"""Property-based fuzzing of the gateway over its own OpenAPI, in this process, with fake services.

Schemathesis generates requests (valid and invalid) for every operation and checks each answer:
no 5xx, and a status, content type, headers and body that the OpenAPI documents. It runs as an
admin and as a user; a few examples per operation keep it to seconds.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import schemathesis
from google.protobuf import empty_pb2
from grpc_health.v1 import health_pb2
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cinemapb.audit.v1 import audit_pb2
from cinemapb.booking.v1 import booking_pb2, payments_pb2, tickets_pb2
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.movie.v1 import movie_pb2
from cinemapb.user.v1 import user_pb2
from gateway.app import create_app
from gateway.live.feed import snapshot_loader
from gateway.live.hub import Snapshots
from gateway.live.seatmaps import SeatMapStore
from gateway.ratelimit import Limiter
from gateway.revocation import TokenVersions, Version
from gateway.settings import GatewaySettings
from svckit.identity import Caller
from tests.gateway.conftest import ADMIN_ID, JWT_SECRET, USER_ID, token_for
from tests.gateway.fakes import FakeCache, FakeClients, UnreachableRedis
from tests.gateway.helpers import (
    MOMENT,
    a_booking,
    a_genre,
    a_hall,
    a_movie,
    a_seat,
    a_session,
    a_ticket,
    a_user,
    a_waitlist_entry,
)

EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    allow_header_conformance,
]
"""No 5xx, and every answer as the OpenAPI documents it (405s naming every allowed method)."""


def an_audit_entry(entity: str) -> audit_pb2.AuditEntry:
    return audit_pb2.AuditEntry(
        id=1,
        user_id=1,
        time=MOMENT,
        entity=entity,
        entity_id=2,
        action="created",
        changes_json="{}",
    )


def answering_services() -> FakeClients:
    """Fake services with a plausible answer to every call the gateway makes."""
    services = FakeClients()
    empty = empty_pb2.Empty()
    services.users.replies |= {
        "Register": a_user(),
        "Login": user_pb2.LoginResponse(
            access_token="t", expires_in=900, refresh_token="r", refresh_expires_in=3600
        ),
        "Refresh": user_pb2.LoginResponse(
            access_token="t", expires_in=900, refresh_token="r", refresh_expires_in=3600
        ),
        "Logout": empty,
        "GetUser": a_user(),
        "ListUsers": user_pb2.ListUsersResponse(items=[a_user()], total=1),
        "UpdateUser": a_user(),
        "DeleteUser": empty,
        "GetVapidPublicKey": user_pb2.VapidPublicKey(public_key="BNcR"),
        "AddPushSubscription": user_pb2.PushSubscription(
            id=1, endpoint="https://push.example/1", created_at=MOMENT
        ),
        "DeletePushSubscription": empty,
    }
    services.movies.replies |= {
        "ListGenres": movie_pb2.ListGenresResponse(items=[a_genre()], total=1),
        "CreateGenre": a_genre(),
        "UpdateGenre": a_genre(),
        "DeleteGenre": empty,
        "ListMovies": movie_pb2.ListMoviesResponse(items=[a_movie()], total=1),
        "GetMovie": a_movie(),
        "CreateMovie": a_movie(),
        "UpdateMovie": a_movie(),
        "DeleteMovie": empty,
        "ListAudit": audit_pb2.ListAuditResponse(items=[an_audit_entry("movie")], total=1),
    }
    services.cinema.replies |= {
        "ListHalls": cinema_pb2.ListHallsResponse(items=[a_hall()], total=1),
        "GetHall": a_hall(),
        "CreateHall": a_hall(),
        "UpdateHall": a_hall(),
        "DeleteHall": empty,
        "AddSeat": a_seat(),
        "UpdateSeat": a_seat(),
        "DeleteSeat": empty,
        "ListSessions": cinema_pb2.ListSessionsResponse(items=[a_session()], total=1),
        "GetSession": a_session(),
        "CreateSession": a_session(),
        "UpdateSession": a_session(),
        "DeleteSession": empty,
        "EditHallLayout": a_hall(),
        "ListAudit": audit_pb2.ListAuditResponse(items=[an_audit_entry("hall")], total=1),
    }
    services.booking.replies |= {
        "CreateBooking": a_booking(),
        "GetBooking": a_booking(),
        "ListBookings": booking_pb2.ListBookingsResponse(items=[a_booking()], total=1),
        "ConfirmBooking": a_booking(),
        "CancelBooking": a_booking(),
        "GetBestSeats": booking_pb2.BestSeats(seat_ids=[1, 2], row=1, total_price_cents=2000),
        "ExtendBooking": a_booking(),
        "JoinWaitlist": a_waitlist_entry(),
        "ListMyWaitlist": booking_pb2.ListMyWaitlistResponse(items=[a_waitlist_entry()]),
        "LeaveWaitlist": a_waitlist_entry(booking_pb2.WAITLIST_STATUS_CANCELLED),
        "SummarizeSessions": booking_pb2.SessionSummaries(),
        "GetSeatMap": booking_pb2.SeatMap(
            session_id=4,
            version=3,
            seats=[
                booking_pb2.SeatState(
                    seat_id=11, row=1, number=4, type=cinema_pb2.SEAT_TYPE_VIP, price_cents=1875
                )
            ],
        ),
        "GetSessionReport": booking_pb2.SessionReport(
            session_id=4, seats_total=10, sold=2, held=1, free=7, revenue_cents=2500
        ),
        "GetSalesReport": booking_pb2.SalesReport(
            items=[
                booking_pb2.SalesRow(
                    key="2030-03-17",  # a day key, which every grouping's labels can read
                    bookings=1,
                    seats_sold=2,
                    revenue_cents=2500,
                    movie_id=5,
                    starts_at=MOMENT,
                )
            ],
            total=1,
        ),
    }
    services.tickets.replies |= {
        "ListTickets": tickets_pb2.ListTicketsResponse(items=[a_ticket()]),
        "GetTicket": a_ticket(),
        "CheckIn": a_ticket(used=True),
    }
    services.payments.replies |= {
        "PayBooking": payments_pb2.PaymentIntent(
            payment_id="p",
            booking_id="b",
            checkout_url="http://x/pay/p",
            status=payments_pb2.INTENT_STATUS_REQUIRES_PAYMENT,
            currency="EUR",
        ),
        "ReceiveWebhook": payments_pb2.ReceiveWebhookResponse(event_id="evt_1"),
    }
    for health in services.healths.values():
        health.replies["Check"] = _serving()
    return services


async def current_version(user_id: int) -> Version:
    return Version(0)


def _serving() -> health_pb2.HealthCheckResponse:
    return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)


SETTINGS = GatewaySettings(jwt_secret=JWT_SECRET)
APP = create_app(SETTINGS)
APP.state.settings = SETTINGS
APP.state.clients = answering_services()
APP.state.cache = FakeCache()
APP.state.limiter = Limiter(UnreachableRedis())  # type: ignore[arg-type]
APP.state.token_versions = TokenVersions(current_version)
APP.state.seat_maps = SeatMapStore(Snapshots(snapshot_loader(APP.state.clients)), asyncio.Event())

ADMIN = {"Authorization": f"Bearer {token_for(SETTINGS, Caller(ADMIN_ID, 'admin'))}"}
USER = {"Authorization": f"Bearer {token_for(SETTINGS, Caller(USER_ID, 'user'))}"}


async def app_without_lifespan(scope: Any, receive: Any, send: Any) -> None:
    """The app, its lifespan (real service clients, Redis, Kafka) answered without running."""
    if scope["type"] != "lifespan":
        await APP(scope, receive, send)
        return
    while (await receive())["type"] == "lifespan.startup":
        await send({"type": "lifespan.startup.complete"})
    await send({"type": "lifespan.shutdown.complete"})


schema = schemathesis.openapi.from_asgi("/openapi.json", app_without_lifespan)
bounded = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def operations() -> dict[str, APIOperation[Any, Any, Any, Any]]:
    """The schema's operations by label; an operation it cannot read fails collection."""
    found = {}
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        found[result.ok().label] = result.ok()
    return found


OPERATIONS = operations()
"""Every operation of the OpenAPI by its label ("GET /api/movies"): a test each, with an id of
its own, so pytest-xdist can hand them out (Schemathesis' own parametrize gives them one id)."""


def fuzz(operation: str, headers: dict[str, str]) -> None:
    """Bounded Hypothesis examples of `operation`, each sent with `headers` and checked."""

    @given(case=OPERATIONS[operation].as_strategy())
    @bounded
    def answers_within_the_openapi(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers_within_the_openapi()


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_as_an_admin_no_answer_is_a_5xx_or_outside_the_openapi(operation: str) -> None:
    fuzz(operation, ADMIN)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_as_a_user_no_answer_is_a_5xx_or_outside_the_openapi(operation: str) -> None:
    fuzz(operation, USER)
