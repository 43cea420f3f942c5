"""Services verify who calls them: bare identity metadata is ignored, tokens are checked."""

from __future__ import annotations

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
