"""Sign-up and sign-in; both rate-limited per client IP."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from cinemapb.user.v1 import user_pb2
from gateway.deps import Clients, grpc_metadata
from gateway.ratelimit import RateLimit
from gateway.routes.users import UserOut, user_out
from gateway.schemas import ErrorBody

router = APIRouter(prefix="/api/auth", tags=["auth"])

TOO_MANY: dict[int | str, dict[str, object]] = {
    429: {"model": ErrorBody, "description": "Too many attempts from this client; see Retry-After"}
}


class Registration(BaseModel):
    email: str = Field(max_length=254, examples=["ada@example.com"])
    password: str = Field(
        max_length=128,
        description="8+ characters (at most 72 bytes), with letters and digits, not a common one",
    )
    name: str = Field(min_length=1, max_length=100, examples=["Ada Lovelace"])


class Credentials(BaseModel):
    email: str = Field(max_length=254, examples=["ada@example.com"])
    password: str = Field(max_length=128)


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int = Field(description="seconds until the token expires")


@router.post(
    "/register",
    status_code=201,
    response_model=UserOut,
    summary="Create an account",
    dependencies=[Depends(RateLimit("register"))],
    responses={
        409: {"model": ErrorBody, "description": "Email already registered (email_taken)"},
        **TOO_MANY,
    },
)
async def register(body: Registration, clients: Clients, request: Request) -> UserOut:
    user = await clients.users.Register(
        user_pb2.RegisterRequest(email=body.email, password=body.password, name=body.name),
        metadata=grpc_metadata(None, request),
    )
    return user_out(user)


@router.post(
    "/login",
    response_model=AccessToken,
    summary="Exchange email and password for a bearer access token",
    dependencies=[Depends(RateLimit("login"))],
    responses={
        401: {"model": ErrorBody, "description": "Wrong email or password"},
        **TOO_MANY,
    },
)
async def login(body: Credentials, clients: Clients, request: Request) -> AccessToken:
    reply = await clients.users.Login(
        user_pb2.LoginRequest(email=body.email, password=body.password),
        metadata=grpc_metadata(None, request),
    )
    return AccessToken(access_token=reply.access_token, expires_in=reply.expires_in)
