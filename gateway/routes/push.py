"""Web push: the key browsers subscribe with, and the caller's own subscriptions."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from google.protobuf import empty_pb2
from pydantic import BaseModel, Field, field_validator

from cinemapb.user.v1 import user_pb2
from gateway.deps import Clients, CurrentUser, grpc_metadata
from gateway.schemas import ErrorBody
from svckit.protoconv import from_timestamp

router = APIRouter(prefix="/api", tags=["push"])

MAX_ENDPOINT_LENGTH = 2048
P256DH_BYTES = 65
AUTH_BYTES = 16
B64URL = r"^[A-Za-z0-9_-]+={0,2}$"

UNAUTHENTICATED: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody, "description": "No valid access token"}
}


def b64url_bytes(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None


class PushKeys(BaseModel):
    """The keys from the browser's PushSubscription, base64url as `toJSON()` gives them."""

    p256dh: str = Field(max_length=128, pattern=B64URL, description="P-256 public key (65 bytes)")
    auth: str = Field(max_length=64, pattern=B64URL, description="auth secret (16 bytes)")

    @field_validator("p256dh")
    @classmethod
    def _uncompressed_point(cls, value: str) -> str:
        point = b64url_bytes(value)
        if len(point) != P256DH_BYTES or point[0] != 4:
            raise ValueError("must be an uncompressed P-256 point (65 bytes, base64url)")
        return value

    @field_validator("auth")
    @classmethod
    def _auth_secret(cls, value: str) -> str:
        if len(b64url_bytes(value)) != AUTH_BYTES:
            raise ValueError("must be a 16-byte secret (base64url)")
        return value


class PushSubscriptionIn(BaseModel):
    endpoint: str = Field(
        min_length=1,
        max_length=MAX_ENDPOINT_LENGTH,
        description="the push service URL from the browser's PushSubscription",
        examples=["https://fcm.googleapis.com/fcm/send/abc123"],
    )
    keys: PushKeys


class PushSubscriptionOut(BaseModel):
    id: int
    endpoint: str
    created_at: datetime


class VapidPublicKeyOut(BaseModel):
    public_key: str = Field(
        description="the applicationServerKey for pushManager.subscribe(): base64url of the "
        "uncompressed P-256 point"
    )


@router.get(
    "/push/vapid-public-key",
    response_model=VapidPublicKeyOut,
    summary="The VAPID key browsers subscribe to push notifications with",
)
async def vapid_public_key(clients: Clients, request: Request) -> VapidPublicKeyOut:
    reply = await clients.users.GetVapidPublicKey(
        empty_pb2.Empty(), metadata=grpc_metadata(None, request)
    )
    return VapidPublicKeyOut(public_key=reply.public_key)


@router.post(
    "/me/push-subscriptions",
    status_code=201,
    response_model=PushSubscriptionOut,
    summary="Get booking notifications in this browser (its push subscription)",
    responses={
        **UNAUTHENTICATED,
        422: {
            "model": ErrorBody,
            "description": "Not an https endpoint (invalid_push_endpoint) or malformed keys",
        },
    },
)
async def add_push_subscription(
    body: PushSubscriptionIn, caller: CurrentUser, clients: Clients, request: Request
) -> PushSubscriptionOut:
    reply = await clients.users.AddPushSubscription(
        user_pb2.AddPushSubscriptionRequest(
            endpoint=body.endpoint, p256dh=body.keys.p256dh, auth=body.keys.auth
        ),
        metadata=grpc_metadata(caller, request),
    )
    return PushSubscriptionOut(
        id=reply.id, endpoint=reply.endpoint, created_at=from_timestamp(reply.created_at)
    )


@router.delete(
    "/me/push-subscriptions",
    status_code=204,
    response_class=Response,
    summary="Stop push notifications to this browser",
    responses={
        **UNAUTHENTICATED,
        404: {"model": ErrorBody, "description": "You have no subscription with this endpoint"},
    },
)
async def delete_push_subscription(
    endpoint: Annotated[
        str, Query(min_length=1, max_length=MAX_ENDPOINT_LENGTH, description="its endpoint URL")
    ],
    caller: CurrentUser,
    clients: Clients,
    request: Request,
) -> Response:
    await clients.users.DeletePushSubscription(
        user_pb2.DeletePushSubscriptionRequest(endpoint=endpoint),
        metadata=grpc_metadata(caller, request),
    )
    return Response(status_code=204)
