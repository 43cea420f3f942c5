"""Accounts: your own profile, and every account for admins (user_svc decides who sees what)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from cinemapb.user.v1 import user_pb2
from gateway.convert import paginated, user_out
from gateway.deps import AsUser, Clients, CurrentUser, Page
from gateway.openapi import error_responses
from gateway.schemas import Paginated, Text, UserId, UserOut
from svckit.vocabulary import ROLE, Role

router = APIRouter(prefix="/api", tags=["users"])

ACCOUNT_ERRORS = ("unauthenticated", "forbidden", "user_not_found")
"""What a route on one account answers to a stranger, or about an account that is gone."""


class UserUpdate(BaseModel):
    """Fields to change; those left out stay as they are. Only an admin may change a role."""

    email: Text | None = Field(default=None, max_length=254, examples=["ada@example.com"])
    name: Text | None = Field(default=None, min_length=1, max_length=100)
    password: Text | None = Field(default=None, min_length=1, max_length=128)
    role: Role | None = None

    def to_pb(self, user_id: int) -> user_pb2.UpdateUserRequest:
        """The request that changes only the fields given."""
        message = user_pb2.UpdateUserRequest(
            id=user_id, **self.model_dump(exclude_none=True, exclude={"role"})
        )
        if self.role is not None:
            message.role = ROLE.number(self.role)
        return message


@router.get(
    "/me",
    response_model=UserOut,
    summary="Your own profile",
    responses=error_responses("unauthenticated", "user_not_found"),
)
async def get_me(caller: CurrentUser, metadata: AsUser, clients: Clients) -> UserOut:
    request = user_pb2.GetUserRequest(id=caller.user_id)
    return user_out(await clients.users.GetUser(request, metadata=metadata))


@router.get(
    "/users",
    response_model=Paginated[UserOut],
    summary="Every account, a page at a time (admin)",
    responses=error_responses("unauthenticated", "forbidden"),
)
async def list_users(metadata: AsUser, page: Page, clients: Clients) -> Paginated[UserOut]:
    reply = await clients.users.ListUsers(
        user_pb2.ListUsersRequest(page=page.page, page_size=page.page_size), metadata=metadata
    )
    return paginated([user_out(user) for user in reply.items], reply.total, page)


@router.get(
    "/users/{user_id}",
    response_model=UserOut,
    summary="One account (admin, or the account's owner)",
    responses=error_responses(*ACCOUNT_ERRORS),
)
async def get_user(user_id: UserId, metadata: AsUser, clients: Clients) -> UserOut:
    request = user_pb2.GetUserRequest(id=user_id)
    return user_out(await clients.users.GetUser(request, metadata=metadata))


@router.put(
    "/users/{user_id}",
    response_model=UserOut,
    summary="Change an account's email, name, password or (admin only) role",
    responses=error_responses(*ACCOUNT_ERRORS, "email_taken"),
)
async def update_user(
    user_id: UserId, body: UserUpdate, metadata: AsUser, clients: Clients
) -> UserOut:
    return user_out(await clients.users.UpdateUser(body.to_pb(user_id), metadata=metadata))


@router.delete(
    "/users/{user_id}",
    status_code=204,
    response_class=Response,
    summary="Delete an account (admin)",
    responses=error_responses(*ACCOUNT_ERRORS),
)
async def delete_user(user_id: UserId, metadata: AsUser, clients: Clients) -> Response:
    await clients.users.DeleteUser(user_pb2.DeleteUserRequest(id=user_id), metadata=metadata)
    return Response(status_code=204)
