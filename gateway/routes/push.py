"""Web push: the key browsers subscribe with, and the caller's own subscriptions."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Query, Response
from google.protobuf import empty_pb2
from pydantic import BaseModel, Field, field_validator

from cinemapb.user.v1 import user_pb2
from gateway.convert import push_subscription_out
from gateway.deps import AsAnyone, AsUser, Clients
from gateway.openapi import error_responses
from gateway.schemas import PushSubscriptionOut, Text

router = APIRouter(prefix="/api", tags=["push"])

MAX_ENDPOINT_LENGTH = 2048
P256DH_BYTES = 65
AUTH_BYTES = 16
B64URL = r"^[A-Za-z0-9_-]+={0,2}$"


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
    endpoint: Text = Field(
        min_length=1,
        max_length=MAX_ENDPOINT_LENGTH,
        description="the push service URL from the browser's PushSubscription",
        examples=["https://fcm.googleapis.com/fcm/send/abc123"],
    )
    keys: PushKeys


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
async def vapid_public_key(clients: Clients, metadata: AsAnyone) -> VapidPublicKeyOut:
    reply = await clients.users.GetVapidPublicKey(empty_pb2.Empty(), metadata=metadata)
    return VapidPublicKeyOut(public_key=reply.public_key)


@router.post(
    "/me/push-subscriptions",
    status_code=201,
    response_model=PushSubscriptionOut,
    summary="Get booking notifications in this browser (its push subscription)",
    responses=error_responses("unauthenticated", "invalid_push_endpoint", "validation_error"),
)
async def add_push_subscription(
    body: PushSubscriptionIn, metadata: AsUser, clients: Clients
) -> PushSubscriptionOut:
    request = user_pb2.AddPushSubscriptionRequest(
        endpoint=body.endpoint, p256dh=body.keys.p256dh, auth=body.keys.auth
    )
    reply = await clients.users.AddPushSubscription(request, metadata=metadata)
    return push_subscription_out(reply)


@router.delete(
    "/me/push-subscriptions",
    status_code=204,
    response_class=Response,
    summary="Stop push notifications to this browser",
    responses=error_responses("unauthenticated", "push_subscription_not_found"),
)
async def delete_push_subscription(
    endpoint: Annotated[
        Text, Query(min_length=1, max_length=MAX_ENDPOINT_LENGTH, description="its endpoint URL")
    ],
    metadata: AsUser,
    clients: Clients,
) -> Response:
    await clients.users.DeletePushSubscription(
        user_pb2.DeletePushSubscriptionRequest(endpoint=endpoint), metadata=metadata
    )
    return Response(status_code=204)
