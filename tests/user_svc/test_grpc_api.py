"""UserService over real gRPC: callers from metadata, errors as statuses with codes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
import pytest
from google.protobuf import empty_pb2

from cinemapb.user.v1 import user_pb2, user_pb2_grpc
from svckit.errors import error_from_trailers
from svckit.grpc_server import interceptors
from svckit.identity import Caller
from tests.identity import TEST_JWT, metadata_of
from user_svc.accounts import Accounts
from user_svc.grpc_api import UserServiceServicer
from user_svc.sign_ins import SignIns

PASSWORD = "Corr3ct-Horse-Battery"


@pytest.fixture(scope="module")
async def stub(
    accounts: Accounts, sign_ins: SignIns
) -> AsyncIterator[user_pb2_grpc.UserServiceAsyncStub]:
    server = grpc.aio.server(interceptors=interceptors(TEST_JWT))
    user_pb2_grpc.add_UserServiceServicer_to_server(UserServiceServicer(accounts, sign_ins), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield user_pb2_grpc.UserServiceStub(channel)
    await server.stop(None)


async def register(stub: user_pb2_grpc.UserServiceAsyncStub) -> user_pb2.User:
    email = f"grpc-{uuid.uuid4().hex[:12]}@example.com"
    return await stub.Register(
        user_pb2.RegisterRequest(email=email, password=PASSWORD, name="Grpc Person")
    )


def as_user(user: user_pb2.User) -> tuple[tuple[str, str], ...]:
    return metadata_of(Caller(user_id=user.id, role="user"))


ADMIN = metadata_of(Caller(user_id=1, role="admin"))


async def test_register_and_login_answer_without_a_caller_and_never_send_the_hash(
    stub: user_pb2_grpc.UserServiceAsyncStub,
) -> None:
    user = await register(stub)
    assert user.role == user_pb2.ROLE_USER
    assert user.created_at.seconds > 0
    assert "password" not in str(user).lower()
    reply = await stub.Login(user_pb2.LoginRequest(email=user.email, password=PASSWORD))
    assert reply.token_type == "bearer"
    assert reply.expires_in > 0
    assert reply.user == user


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.GetUser(user_pb2.GetUserRequest(id=1)),
        lambda s: s.ListUsers(user_pb2.ListUsersRequest(page=1, page_size=10)),
        lambda s: s.UpdateUser(user_pb2.UpdateUserRequest(id=1, name="Anonymous")),
        lambda s: s.DeleteUser(user_pb2.DeleteUserRequest(id=1)),
        lambda s: s.EnsureAdmin(user_pb2.EnsureAdminRequest(email="a@example.com")),
        lambda s: s.AddPushSubscription(user_pb2.AddPushSubscriptionRequest()),
    ],
)
async def test_protected_calls_without_a_caller_are_unauthenticated(
    stub: user_pb2_grpc.UserServiceAsyncStub,
    call: Callable[[user_pb2_grpc.UserServiceAsyncStub], Awaitable[object]],
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call(stub)
    assert failed.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_duplicate_email_fails_with_already_exists_and_the_email_taken_code(
    stub: user_pb2_grpc.UserServiceAsyncStub,
) -> None:
    user = await register(stub)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await stub.Register(
            user_pb2.RegisterRequest(email=user.email.upper(), password=PASSWORD, name="Again")
        )
    assert failed.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_from_trailers(failed.value.trailing_metadata()) == ("email_taken", {})


async def test_update_changes_only_the_fields_present_and_checks_the_role_number(
    stub: user_pb2_grpc.UserServiceAsyncStub,
) -> None:
    user = await register(stub)
    renamed = await stub.UpdateUser(
        user_pb2.UpdateUserRequest(id=user.id, name="Renamed"), metadata=as_user(user)
    )
    assert (renamed.name, renamed.email, renamed.role) == ("Renamed", user.email, user.role)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await stub.UpdateUser(
            user_pb2.UpdateUserRequest(id=user.id, role=user_pb2.ROLE_UNSPECIFIED), metadata=ADMIN
        )
    assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_ensure_admin_needs_an_admin_caller(
    stub: user_pb2_grpc.UserServiceAsyncStub,
) -> None:
    user = await register(stub)
    request = user_pb2.EnsureAdminRequest(email=user.email, password="Adm1n-Passphrase")
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await stub.EnsureAdmin(request, metadata=as_user(user))
    assert failed.value.code() == grpc.StatusCode.PERMISSION_DENIED
    promoted = await stub.EnsureAdmin(request, metadata=ADMIN)
    assert (promoted.id, promoted.role, promoted.name) == (user.id, user_pb2.ROLE_ADMIN, user.name)


async def test_push_subscriptions_are_added_and_deleted_for_the_caller(
    stub: user_pb2_grpc.UserServiceAsyncStub,
) -> None:
    user = await register(stub)
    endpoint = f"https://push.example.com/{uuid.uuid4().hex}"
    added = await stub.AddPushSubscription(
        user_pb2.AddPushSubscriptionRequest(endpoint=endpoint, p256dh="key", auth="secret"),
        metadata=as_user(user),
    )
    assert added.endpoint == endpoint
    await stub.DeletePushSubscription(
        user_pb2.DeletePushSubscriptionRequest(endpoint=endpoint), metadata=as_user(user)
    )
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await stub.DeletePushSubscription(
            user_pb2.DeletePushSubscriptionRequest(endpoint=endpoint), metadata=as_user(user)
        )
    assert failed.value.code() == grpc.StatusCode.NOT_FOUND


async def test_the_vapid_key_fails_with_push_not_configured(
    stub: user_pb2_grpc.UserServiceAsyncStub,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await stub.GetVapidPublicKey(empty_pb2.Empty())
    assert failed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_from_trailers(failed.value.trailing_metadata())[0] == "push_not_configured"


async def test_login_and_refresh_answer_a_rotating_refresh_token(
    stub: user_pb2_grpc.UserServiceAsyncStub,
) -> None:
    user = await register(stub)
    login = await stub.Login(user_pb2.LoginRequest(email=user.email, password=PASSWORD))
    assert login.refresh_token
    assert login.refresh_expires_in == 14 * 24 * 3600
    refreshed = await stub.Refresh(user_pb2.RefreshRequest(refresh_token=login.refresh_token))
    assert (refreshed.token_type, refreshed.expires_in, refreshed.user) == (
        "bearer",
        login.expires_in,
        user,
    )
    assert refreshed.refresh_token not in ("", login.refresh_token)
    assert refreshed.refresh_expires_in == login.refresh_expires_in
    for spent in (login.refresh_token, refreshed.refresh_token):
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await stub.Refresh(user_pb2.RefreshRequest(refresh_token=spent))
        assert failed.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert error_from_trailers(failed.value.trailing_metadata()) == (
            "invalid_refresh_token",
            {},
        )


async def test_logout_revokes_the_refresh_token_and_answers_empty_for_any_token(
    stub: user_pb2_grpc.UserServiceAsyncStub,
) -> None:
    user = await register(stub)
    login = await stub.Login(user_pb2.LoginRequest(email=user.email, password=PASSWORD))
    await stub.Logout(user_pb2.LogoutRequest(refresh_token=login.refresh_token))
    await stub.Logout(user_pb2.LogoutRequest(refresh_token="unknown"))
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await stub.Refresh(user_pb2.RefreshRequest(refresh_token=login.refresh_token))
    assert error_from_trailers(failed.value.trailing_metadata())[0] == "invalid_refresh_token"


async def test_get_token_version_answers_the_current_version_and_deleted(
    stub: user_pb2_grpc.UserServiceAsyncStub,
) -> None:
    user = await register(stub)
    request = user_pb2.GetTokenVersionRequest(user_id=user.id)
    assert await stub.GetTokenVersion(request) == user_pb2.TokenVersion(
        user_id=user.id, version=0, deleted=False
    )
    await stub.UpdateUser(
        user_pb2.UpdateUserRequest(id=user.id, password="N3w-Passphrase"), metadata=as_user(user)
    )
    assert (await stub.GetTokenVersion(request)).version == 1
    await stub.DeleteUser(user_pb2.DeleteUserRequest(id=user.id), metadata=ADMIN)
    assert await stub.GetTokenVersion(request) == user_pb2.TokenVersion(
        user_id=user.id, version=0, deleted=True
    )
