"""UserService over gRPC: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import empty_pb2

from cinemapb.user.v1 import user_pb2, user_pb2_grpc
from svckit.identity import current_caller, require_admin
from svckit.protoconv import to_timestamp
from svckit.vocabulary import ROLE, Role
from user_svc.accounts import Accounts
from user_svc.domain import (
    DEFAULT_ADMIN_NAME,
    Account,
    AccountChanges,
    valid_role,
)
from user_svc.sign_ins import SignedIn, SignIns

Context = grpc.aio.ServicerContext[Any, Any]


def user_message(account: Account) -> user_pb2.User:
    return user_pb2.User(
        id=account.id,
        email=account.email,
        name=account.name,
        role=ROLE.number(account.role),
        created_at=to_timestamp(account.created_at),
        updated_at=to_timestamp(account.updated_at),
    )


def login_response(signed_in: SignedIn) -> user_pb2.LoginResponse:
    return user_pb2.LoginResponse(
        access_token=signed_in.access_token,
        token_type="bearer",  # noqa: S106 (a token type, not a secret)
        expires_in=signed_in.expires_in,
        user=user_message(signed_in.account),
        refresh_token=signed_in.refresh_token,
        refresh_expires_in=signed_in.refresh_expires_in,
    )


def role_of(number: int) -> Role:
    """The role a request names; ROLE_UNSPECIFIED or an unknown number is invalid."""
    try:
        label = ROLE.label(number)
    except ValueError:
        label = ""
    return valid_role(label)


def changes_of(request: user_pb2.UpdateUserRequest) -> AccountChanges:
    return AccountChanges(
        email=request.email if request.HasField("email") else None,
        name=request.name if request.HasField("name") else None,
        password=request.password if request.HasField("password") else None,
        role=role_of(request.role) if request.HasField("role") else None,
    )


class UserServiceServicer(user_pb2_grpc.UserServiceServicer):
    def __init__(self, accounts: Accounts, sign_ins: SignIns) -> None:
        self.accounts = accounts
        self.sign_ins = sign_ins

    async def Register(self, request: user_pb2.RegisterRequest, context: Context) -> user_pb2.User:
        account = await self.accounts.register(
            email=request.email, password=request.password, name=request.name
        )
        return user_message(account)

    async def Login(
        self, request: user_pb2.LoginRequest, context: Context
    ) -> user_pb2.LoginResponse:
        signed_in = await self.sign_ins.login(email=request.email, password=request.password)
        return login_response(signed_in)

    async def Refresh(
        self, request: user_pb2.RefreshRequest, context: Context
    ) -> user_pb2.LoginResponse:
        return login_response(await self.sign_ins.refresh(request.refresh_token))

    async def Logout(self, request: user_pb2.LogoutRequest, context: Context) -> empty_pb2.Empty:
        await self.sign_ins.logout(request.refresh_token)
        return empty_pb2.Empty()

    async def GetTokenVersion(
        self, request: user_pb2.GetTokenVersionRequest, context: Context
    ) -> user_pb2.TokenVersion:
        version = await self.sign_ins.token_version(request.user_id)
        return user_pb2.TokenVersion(
            user_id=request.user_id, version=version or 0, deleted=version is None
        )

    async def GetUser(self, request: user_pb2.GetUserRequest, context: Context) -> user_pb2.User:
        account = await self.accounts.get(current_caller(), request.id)
        return user_message(account)

    async def ListUsers(
        self, request: user_pb2.ListUsersRequest, context: Context
    ) -> user_pb2.ListUsersResponse:
        accounts, total = await self.accounts.page(
            current_caller(), page=request.page, page_size=request.page_size
        )
        return user_pb2.ListUsersResponse(items=[user_message(a) for a in accounts], total=total)

    async def UpdateUser(
        self, request: user_pb2.UpdateUserRequest, context: Context
    ) -> user_pb2.User:
        account = await self.accounts.update(current_caller(), request.id, changes_of(request))
        return user_message(account)

    async def DeleteUser(
        self, request: user_pb2.DeleteUserRequest, context: Context
    ) -> empty_pb2.Empty:
        await self.accounts.delete(current_caller(), request.id)
        return empty_pb2.Empty()

    async def EnsureAdmin(
        self, request: user_pb2.EnsureAdminRequest, context: Context
    ) -> user_pb2.User:
        require_admin(current_caller())
        account = await self.accounts.ensure_admin(
            email=request.email,
            password=request.password,
            name=request.name or DEFAULT_ADMIN_NAME,
        )
        return user_message(account)

    async def GetVapidPublicKey(
        self, request: empty_pb2.Empty, context: Context
    ) -> user_pb2.VapidPublicKey:
        return user_pb2.VapidPublicKey(public_key=self.accounts.vapid_public_key())

    async def AddPushSubscription(
        self, request: user_pb2.AddPushSubscriptionRequest, context: Context
    ) -> user_pb2.PushSubscription:
        record = await self.accounts.add_push_subscription(
            current_caller(),
            endpoint=request.endpoint,
            p256dh=request.p256dh,
            auth=request.auth,
        )
        return user_pb2.PushSubscription(
            id=record.id, endpoint=record.endpoint, created_at=to_timestamp(record.created_at)
        )

    async def DeletePushSubscription(
        self, request: user_pb2.DeletePushSubscriptionRequest, context: Context
    ) -> empty_pb2.Empty:
        await self.accounts.delete_push_subscription(current_caller(), endpoint=request.endpoint)
        return empty_pb2.Empty()
