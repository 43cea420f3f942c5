"""Sign-up, sign-in, silent renewal and sign-out; sign-up and sign-in are rate-limited per
client IP, failed sign-ins per account too."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from cinemapb.user.v1 import user_pb2
from gateway.convert import user_out
from gateway.deps import AsAnyone, Clients, Settings
from gateway.openapi import error_responses
from gateway.ratelimit import Limits, RateLimit, failed_logins_counted
from gateway.schemas import Text, UserOut

router = APIRouter(prefix="/api/auth", tags=["auth"])


class Credentials(BaseModel):
    email: Text = Field(max_length=254, examples=["ada@example.com"])
    password: Text = Field(max_length=128)


class Registration(Credentials):
    password: Text = Field(
        max_length=128,
        description="8+ characters (at most 72 bytes), with letters and digits, not a common one",
    )
    name: Text = Field(min_length=1, max_length=100, examples=["Ada Lovelace"])


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str = Field(
        description="exchanged once at POST /api/auth/refresh for a new pair; keep it secret"
    )
    refresh_expires_in: int = Field(description="seconds until the refresh token expires")


class RefreshToken(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


def signed_in(reply: user_pb2.LoginResponse) -> AccessToken:
    return AccessToken(
        access_token=reply.access_token,
        expires_in=reply.expires_in,
        refresh_token=reply.refresh_token,
        refresh_expires_in=reply.refresh_expires_in,
    )


@router.post(
    "/register",
    status_code=201,
    response_model=UserOut,
    summary="Create an account",
    dependencies=[Depends(RateLimit("register"))],
    responses=error_responses("email_taken", "too_many_requests"),
)
async def register(body: Registration, clients: Clients, metadata: AsAnyone) -> UserOut:
    request = user_pb2.RegisterRequest(**body.model_dump())
    return user_out(await clients.users.Register(request, metadata=metadata))


@router.post(
    "/login",
    response_model=AccessToken,
    summary="Exchange email and password for a bearer access token",
    dependencies=[Depends(RateLimit("login"))],
    responses=error_responses("invalid_credentials", "too_many_requests"),
)
async def login(
    body: Credentials, clients: Clients, metadata: AsAnyone, limiter: Limits, settings: Settings
) -> AccessToken:
    async with failed_logins_counted(body.email, limiter, settings):
        request = user_pb2.LoginRequest(**body.model_dump())
        reply = await clients.users.Login(request, metadata=metadata)
    return signed_in(reply)


@router.post(
    "/refresh",
    response_model=AccessToken,
    summary="Exchange a refresh token for a new access token and a new refresh token",
    description="A refresh token is used once: a second use is refused and ends the sign-in "
    "it belongs to (every token issued from the same login), as a stolen token would be.",
    responses=error_responses("invalid_refresh_token"),
)
async def refresh(body: RefreshToken, clients: Clients, metadata: AsAnyone) -> AccessToken:
    request = user_pb2.RefreshRequest(refresh_token=body.refresh_token)
    return signed_in(await clients.users.Refresh(request, metadata=metadata))


@router.post(
    "/logout",
    status_code=204,
    summary="End the sign-in a refresh token belongs to",
    description="Its refresh tokens stop working at once; access tokens already issued "
    "expire within JWT_TTL_SECONDS.",
)
async def logout(body: RefreshToken, clients: Clients, metadata: AsAnyone) -> Response:
    request = user_pb2.LogoutRequest(refresh_token=body.refresh_token)
    await clients.users.Logout(request, metadata=metadata)
    return Response(status_code=204)
