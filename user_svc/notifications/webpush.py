"""Web Push (RFC 8030): the payload encrypted for one browser (RFC 8291, aes128gcm, with
pywebpush) and signed for the push service with the VAPID key (RFC 8292, with py_vapid)."""

from __future__ import annotations

import binascii
import logging
import time
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

import httpx
from py_vapid import Vapid02, VapidException  # type: ignore[import-untyped]
from pywebpush import WebPusher, WebPushException  # type: ignore[import-untyped]

from user_svc.notifications.recipients import Subscription
from user_svc.notifications.vapid import VapidKeyPair

log = logging.getLogger(__name__)

JWT_LIFETIME_SECONDS = 12 * 3600
"""RFC 8292 allows at most 24 hours."""
GONE_STATUSES = frozenset({404, 410})
RETRY_STATUSES = frozenset({408, 425, 429})


class PushOutcome(StrEnum):
    SENT = "sent"
    GONE = "gone"
    """The subscription no longer exists (404/410) or cannot be used (keys, endpoint): delete it."""
    REJECTED = "rejected"
    """The push service refused this message for good (e.g. 400, 403, 413): do not retry."""


class PushFailed(Exception):
    """The push service could not be reached or asked to try later."""


class Pusher(Protocol):
    async def send(
        self, subscription: Subscription, payload: bytes, *, ttl: int, urgency: str = "normal"
    ) -> PushOutcome:
        """Delivers one payload; raises PushFailed when trying again later may work."""


def origin(endpoint: str) -> str:
    """The VAPID `aud` claim: scheme, host and port of the endpoint."""
    url = urlsplit(endpoint)
    return f"{url.scheme}://{url.netloc}"


class PushSender:
    def __init__(self, keys: VapidKeyPair, *, subject: str, client: httpx.AsyncClient) -> None:
        """`subject`: the VAPID `sub` claim, a mailto: URL push services can write to."""
        self.vapid = Vapid02(keys.private_key)
        self.subject = subject
        self.client = client

    def vapid_headers(self, endpoint: str) -> dict[str, str]:
        claims = {
            "sub": self.subject,
            "aud": origin(endpoint),
            "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
        }
        headers: dict[str, str] = self.vapid.sign(claims)
        return headers

    async def send(
        self, subscription: Subscription, payload: bytes, *, ttl: int, urgency: str = "normal"
    ) -> PushOutcome:
        """Delivers one payload; raises PushFailed when trying again later may work."""
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        try:
            body: bytes = WebPusher(info).encode(payload, "aes128gcm")["body"]
            headers = self.vapid_headers(subscription.endpoint)
        except (
            WebPushException,
            VapidException,
            ValueError,
            TypeError,
            IndexError,
            binascii.Error,
        ) as error:
            log.warning("push subscription %d cannot be used: %s", subscription.id, error)
            return PushOutcome.GONE
        headers |= {
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(max(ttl, 0)),
            "Urgency": urgency,
        }
        try:
            response = await self.client.post(subscription.endpoint, content=body, headers=headers)
        except httpx.InvalidURL as error:
            log.warning("push subscription %d has an unusable endpoint: %s", subscription.id, error)
            return PushOutcome.GONE
        except httpx.HTTPError as error:
            raise PushFailed(f"push service unreachable: {error!r}") from None
        status = response.status_code
        if 200 <= status < 300:
            return PushOutcome.SENT
        if status in GONE_STATUSES:
            return PushOutcome.GONE
        if status in RETRY_STATUSES or status >= 500:
            raise PushFailed(f"push service answered {status}")
        log.warning(
            "push service refused a message for subscription %d: %d %s",
            subscription.id,
            status,
            response.text[:200],
        )
        return PushOutcome.REJECTED
