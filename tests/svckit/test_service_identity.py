"""The server's identity check and service tokens, over real gRPC with a handler that tells
who it sees as its caller."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc
import jwt
import pytest

from svckit.authentication import caller_label
from svckit.clients import bearer_channel, service_channel
from svckit.errors import error_from_trailers
from svckit.grpc_server import interceptors
from svckit.identity import Caller, ServiceCaller, call_metadata, current_caller, current_identity
from svckit.service_identity import (
    RENEW_BEFORE_SECONDS,
    TOKEN_TTL_SECONDS,
    ServiceTokens,
    issue_service_token,
    verify_service_token,
)
from svckit.tokens import InvalidToken, verify_access_token
from tests.identity import TEST_JWT, TEST_JWT_SECRET, token_of

SERVICE = "test.Identity"
METHOD = f"/{SERVICE}/WhoAmI"
OTHER_SECRET = "another-secret-of-at-least-32-bytes!"


async def who_am_i(_request: bytes, _context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    user = current_caller()
    seen = f"{caller_label(current_identity())}/{user.user_id if user else '-'}"
    return seen.encode()


@pytest.fixture
async def address() -> AsyncIterator[str]:
    server = grpc.aio.server(interceptors=interceptors(TEST_JWT))
    handler = grpc.unary_unary_rpc_method_handler(who_am_i)
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler(SERVICE, {"WhoAmI": handler})]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


async def ask(channel: grpc.aio.Channel, metadata: tuple[tuple[str, str], ...] = ()) -> str:
    reply = await channel.unary_unary(METHOD, None, None)(b"", metadata=metadata)
    assert isinstance(reply, bytes)
    return reply.decode()


async def refusal(channel: grpc.aio.Channel, metadata: tuple[tuple[str, str], ...]) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await ask(channel, metadata)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    return error_from_trailers(refused.value.trailing_metadata())[0]


def service_token(name: str = "booking_svc", secret: str = TEST_JWT_SECRET, ttl: int = 60) -> str:
    return issue_service_token(
        name, secret=secret, algorithm="HS256", ttl_seconds=ttl, now=time.time()
    )


async def test_a_user_token_makes_the_user_the_caller(address: str) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        assert await ask(channel, call_metadata(token_of(Caller(42, "admin")))) == "admin/42"
        assert await ask(channel, call_metadata(token_of(Caller(7, "user")))) == "user/7"


async def test_a_call_without_a_token_is_anonymous_and_bare_identity_metadata_means_nothing(
    address: str,
) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        assert await ask(channel) == "anonymous/-"
        pretend = (("x-user-id", "1"), ("x-user-role", "admin"))
        assert await ask(channel, pretend) == "anonymous/-"


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {token_of(Caller(1, 'admin'), secret=OTHER_SECRET)}",
        f"Bearer {service_token(secret=OTHER_SECRET)}",
        f"Bearer {service_token(ttl=-1)}",
        "Bearer not-a-jwt",
        "Bearer ",
        f"Basic {token_of(Caller(1, 'admin'))}",
    ],
)
async def test_an_invalid_or_expired_token_is_unauthenticated(
    address: str, authorization: str
) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        assert await refusal(channel, (("authorization", authorization),)) == "invalid_token"


async def test_a_service_channel_calls_as_its_service_never_as_a_user(address: str) -> None:
    tokens = ServiceTokens("cinema_svc", TEST_JWT)
    async with service_channel(address, tokens) as channel:
        assert await ask(channel) == "service:cinema_svc/-"
        as_admin = call_metadata(token_of(Caller(1, "admin")), "request-1")
        assert await ask(channel, as_admin) == "service:cinema_svc/-"


async def test_a_bearer_channel_calls_with_the_token_it_is_given(address: str) -> None:
    token = token_of(Caller(5, "user"))
    async with bearer_channel(address, lambda: token) as channel:
        assert await ask(channel) == "user/5"


def test_a_user_token_cannot_pass_for_a_service_token() -> None:
    now = int(time.time())
    user_claims = {"role": "user", "iat": now, "exp": now + 60, "jti": "j"}
    pretenders = [
        token_of(Caller(1, "admin")),
        jwt.encode(
            {**user_claims, "sub": "service:booking_svc", "role": "service"}, TEST_JWT_SECRET
        ),
        jwt.encode(
            {**user_claims, "sub": "service:booking_svc", "role": "service"},
            TEST_JWT_SECRET,
            headers={"typ": "svc+jwt"},
        ),
    ]
    for token in pretenders:
        with pytest.raises(InvalidToken):
            verify_service_token(token, secret=TEST_JWT_SECRET, algorithm="HS256")


def test_a_service_token_names_no_user() -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(service_token(), secret=TEST_JWT_SECRET, algorithm="HS256")


def test_a_service_token_is_kept_and_renewed_before_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tokens = ServiceTokens("booking_svc", TEST_JWT)
    first = tokens.token()
    assert tokens.token() == first
    assert verify_service_token(first, secret=TEST_JWT_SECRET, algorithm="HS256") == ServiceCaller(
        "booking_svc"
    )
    later = time.time() + TOKEN_TTL_SECONDS - RENEW_BEFORE_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    renewed = tokens.token()
    assert renewed != first
    assert jwt.decode(renewed, options={"verify_signature": False})["exp"] > later + 60
