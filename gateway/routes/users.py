"""Accounts: your own profile, and every account for admins (user_svc decides who sees what)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from cinemapb.user.v1 import user_pb2
from gateway.deps import Clients, CurrentUser, Page, grpc_metadata
from gateway.schemas import ErrorBody, Paginated
from svckit.protoconv import from_timestamp

router = APIRouter(prefix="/api", tags=["users"])

MAX_ID = 2**63 - 1
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="the user's id")]
Role = Literal["user", "admin"]

AUTH_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody, "description": "No valid access token"},
    403: {"model": ErrorBody, "description": "Not your account and you are not an admin"},
}
NOT_FOUND: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "No such user"}
}


class UserOut(BaseModel):
    """An account as clients see it; the password hash never leaves user_svc."""

    id: int
    email: str
    name: str
    role: Role
    created_at: datetime
    updated_at: datetime


class UserUpdate(BaseModel):
    """Fields to change; those left out stay as they are. Only an admin may change a role."""

    email: str | None = Field(default=None, max_length=254, examples=["ada@example.com"])
    name: str | None = Field(default=None, min_length=1, max_length=100)
    password: str | None = Field(default=None, min_length=1, max_length=128)
    role: Role | None = None


def user_out(user: user_pb2.User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role="admin" if user.role == user_pb2.ROLE_ADMIN else "user",
        created_at=from_timestamp(user.created_at),
        updated_at=from_timestamp(user.updated_at),
    )


def update_request(user_id: int, body: UserUpdate) -> user_pb2.UpdateUserRequest:
    message = user_pb2.UpdateUserRequest(id=user_id)
    if body.email is not None:
        message.email = body.email
    if body.name is not None:
        message.name = body.name
    if body.password is not None:
        message.password = body.password
    if body.role is not None:
        message.role = user_pb2.ROLE_ADMIN if body.role == "admin" else user_pb2.ROLE_USER
    return message


@router.get(
    "/me",
    response_model=UserOut,
    summary="Your own profile",
    responses={401: AUTH_ERRORS[401], **NOT_FOUND},
)
async def get_me(caller: CurrentUser, clients: Clients, request: Request) -> UserOut:
    user = await clients.users.GetUser(
        user_pb2.GetUserRequest(id=caller.user_id), metadata=grpc_metadata(caller, request)
    )
    return user_out(user)


@router.get(
    "/users",
    response_model=Paginated[UserOut],
    summary="Every account, a page at a time (admin)",
    responses=AUTH_ERRORS,
)
async def list_users(
    caller: CurrentUser, page: Page, clients: Clients, request: Request
) -> Paginated[UserOut]:
    reply = await clients.users.ListUsers(
        user_pb2.ListUsersRequest(page=page.page, page_size=page.page_size),
        metadata=grpc_metadata(caller, request),
    )
    return Paginated[UserOut](
        items=[user_out(user) for user in reply.items],
        total=reply.total,
        page=page.page,
        page_size=page.page_size,
    )


@router.get(
    "/users/{user_id}",
    response_model=UserOut,
    summary="One account (admin, or the account's owner)",
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def get_user(
    user_id: UserId, caller: CurrentUser, clients: Clients, request: Request
) -> UserOut:
    user = await clients.users.GetUser(
        user_pb2.GetUserRequest(id=user_id), metadata=grpc_metadata(caller, request)
    )
    return user_out(user)


@router.put(
    "/users/{user_id}",
    response_model=UserOut,
    summary="Change an account's email, name, password or (admin only) role",
    responses={
        **AUTH_ERRORS,
        **NOT_FOUND,
        409: {"model": ErrorBody, "description": "Email taken (code email_taken)"},
    },
)
async def update_user(
    user_id: UserId, body: UserUpdate, caller: CurrentUser, clients: Clients, request: Request
) -> UserOut:
    user = await clients.users.UpdateUser(
        update_request(user_id, body), metadata=grpc_metadata(caller, request)
    )
    return user_out(user)


@router.delete(
    "/users/{user_id}",
    status_code=204,
    response_class=Response,
    summary="Delete an account (admin)",
    responses={**AUTH_ERRORS, **NOT_FOUND},
)
async def delete_user(
    user_id: UserId, caller: CurrentUser, clients: Clients, request: Request
) -> Response:
    await clients.users.DeleteUser(
        user_pb2.DeleteUserRequest(id=user_id), metadata=grpc_metadata(caller, request)
    )
    return Response(status_code=204)
