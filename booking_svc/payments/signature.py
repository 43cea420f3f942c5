"""Webhook signatures, Stripe's scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.

The timestamp is signed with the body, so an old captured request cannot be replayed once
outside the tolerance window; inside it, the receiver's store of event ids refuses it.
"""

from __future__ import annotations

import hashlib
import hmac

from svckit.errors import Unauthenticated

SIGNATURE_HEADER = "webhook-signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(payload: bytes, secret: str, timestamp: int) -> str:
    """The hex HMAC-SHA256 of `timestamp.payload` under `secret`."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The signature header value for `payload` sent at `timestamp`."""
    return f"t={timestamp},{SCHEME}={signature(payload, secret, timestamp)}"


def verify(
    payload: bytes,
    header: str,
    secret: str,
    *,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """Checks the header against the payload; returns its timestamp.

    Raises Unauthenticated `invalid_signature` for a missing, malformed or wrong signature and
    `stale_webhook` for a timestamp further than `tolerance` seconds from `now` (either way).
    Several v1 entries are allowed (a provider rolling its secret sends both)."""
    timestamp, candidates = _parse(header)
    expected = signature(payload, secret, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise Unauthenticated("the webhook signature does not match", code="invalid_signature")
    if abs(now - timestamp) > tolerance:
        raise Unauthenticated(
            f"the webhook timestamp is more than {tolerance} s away", code="stale_webhook"
        )
    return timestamp


def _parse(header: str) -> tuple[int, list[str]]:
    timestamps: list[str] = []
    candidates: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t":
            timestamps.append(value)
        elif name == SCHEME:
            candidates.append(value)
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not candidates:
        raise Unauthenticated("the signature is missing or malformed", code="invalid_signature")
    return int(timestamps[0]), candidates
