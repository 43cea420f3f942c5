"""Services verify who calls them: bare identity metadata is ignored, tokens are checked."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import grpc
import httpx
import jwt
import pytest

from cinemapb.booking.v1 import booking_pb2, booking_pb2_grpc
from cinemapb.movie.v1 import movie_pb2, movie_pb2_grpc
from cinemapb.user.v1 import user_pb2, user_pb2_grpc
from svckit.errors import error_from_trailers
from svckit.service_identity import issue_service_token
from tests.conftest import RunningStack
from tests.e2e.test_bookings import held, make_show
from tests.helpers import admin_token, bearer, new_user_token

PRETEND_ADMIN = (("x-user-id", "1"), ("x-user-role", "admin"))


@pytest.fixture
async def channels(running_stack: RunningStack) -> AsyncIterator[dict[str, grpc.aio.Channel]]:
    names = ("user_svc", "movie_svc", "booking_svc")
    opened = {
        name: grpc.aio.insecure_channel(running_stack.env[f"{name.upper()}_ADDR"]) for name in names
    }
    yield opened
    for channel in opened.values():
        await channel.close(grace=None)


@pytest.fixture
def some_bookings(api: httpx.Client) -> None:
    """Bookings of someone else exist, so a list that leaks shows them."""
    admin = bearer(admin_token(api))
    show = make_show(api, admin)
    held(api, bearer(new_user_token(api)), show.session_id, show.seat_ids[:1])


def bearer_metadata(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def forged_admin_token() -> str:
    claims = {"sub": "1", "role": "admin", "iat": 1, "exp": 4_000_000_000, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, "not-the-deployment-secret-" + "x" * 32, algorithm="HS256")


def assert_refused(error: grpc.aio.AioRpcError) -> None:
    assert error.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED)


async def test_bare_admin_metadata_lists_no_bookings(
    channels: dict[str, grpc.aio.Channel], some_bookings: None
) -> None:
    stub = booking_pb2_grpc.BookingServiceStub(channels["booking_svc"])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListBookings(
            booking_pb2.ListBookingsRequest(page_size=100), metadata=PRETEND_ADMIN
        )
    assert_refused(refused.value)


async def test_bare_admin_metadata_lists_no_users(
    channels: dict[str, grpc.aio.Channel], api: httpx.Client
) -> None:
    new_user_token(api)
    stub = user_pb2_grpc.UserServiceStub(channels["user_svc"])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListUsers(user_pb2.ListUsersRequest(page_size=100), metadata=PRETEND_ADMIN)
    assert_refused(refused.value)


async def test_a_forged_token_is_unauthenticated_even_for_a_public_read(
    channels: dict[str, grpc.aio.Channel],
) -> None:
    stub = movie_pb2_grpc.MovieServiceStub(channels["movie_svc"])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListMovies(
            movie_pb2.ListMoviesRequest(page_size=1), metadata=bearer_metadata(forged_admin_token())
        )
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_from_trailers(refused.value.trailing_metadata())[0] == "invalid_token"


def service_token(running_stack: RunningStack, name: str) -> str:
    return issue_service_token(
        name,
        secret=running_stack.env["JWT_SECRET"],
        algorithm="HS256",
        ttl_seconds=60,
        now=time.time(),
    )


async def test_a_users_token_sent_straight_to_a_service_lists_only_their_bookings(
    channels: dict[str, grpc.aio.Channel], api: httpx.Client, some_bookings: None
) -> None:
    admin = bearer(admin_token(api))
    show = make_show(api, admin)
    token = new_user_token(api)
    mine = held(api, bearer(token), show.session_id, show.seat_ids[:1])
    stub = booking_pb2_grpc.BookingServiceStub(channels["booking_svc"])
    reply = await stub.ListBookings(
        booking_pb2.ListBookingsRequest(page_size=100), metadata=bearer_metadata(token)
    )
    assert [booking.id for booking in reply.items] == [mine["id"]]


async def test_a_service_identity_is_no_user_and_no_admin(
    channels: dict[str, grpc.aio.Channel], running_stack: RunningStack, some_bookings: None
) -> None:
    as_service = bearer_metadata(service_token(running_stack, "cinema_svc"))
    bookings = booking_pb2_grpc.BookingServiceStub(channels["booking_svc"])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await bookings.ListBookings(booking_pb2.ListBookingsRequest(), metadata=as_service)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    movies = movie_pb2_grpc.MovieServiceStub(channels["movie_svc"])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await movies.CreateGenre(movie_pb2.CreateGenreRequest(name="Heist"), metadata=as_service)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    reply = await movies.ListMovies(movie_pb2.ListMoviesRequest(page_size=1), metadata=as_service)
    assert reply.total >= 0


async def test_a_token_shaped_like_a_service_token_without_its_marks_is_refused(
    channels: dict[str, grpc.aio.Channel], running_stack: RunningStack
) -> None:
    now = int(time.time())
    claims = {"sub": "service:booking_svc", "role": "service", "iat": now, "exp": now + 60}
    pretender = jwt.encode({**claims, "jti": "x"}, running_stack.env["JWT_SECRET"], "HS256")
    stub = movie_pb2_grpc.MovieServiceStub(channels["movie_svc"])
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ListMovies(movie_pb2.ListMoviesRequest(), metadata=bearer_metadata(pretender))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_hold_reaches_cinema_svc_as_booking_svc(
    api: httpx.Client, running_stack: RunningStack
) -> None:
    admin = bearer(admin_token(api))
    show = make_show(api, admin)
    held(api, bearer(new_user_token(api)), show.session_id, show.seat_ids[:2])
    port = running_stack.env["CINEMA_SVC_METRICS_PORT"]
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5.0).text
    callers = [
        line
        for line in metrics.splitlines()
        if line.startswith("grpc_server_callers_total") and 'caller="service:booking_svc"' in line
    ]
    assert callers, "cinema_svc saw no call from booking_svc"
    assert all(float(line.rsplit(" ", 1)[1]) > 0 for line in callers)
