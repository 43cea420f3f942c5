"""JWT access tokens: signed by user_svc at login, verified by the gateway on every call."""

from __future__ import annotations

import functools
import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt

from svckit.identity import Caller, user_id_of

VERIFIED_TOKENS_KEPT = 10_000


class InvalidToken(Exception):
    """The token is missing a claim, expired, forged, or uses another algorithm."""


def issue_access_token(
    caller: Caller, *, secret: str, algorithm: str, ttl_seconds: int, now: datetime | None = None
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(caller.user_id),
        "role": caller.role,
        "iat": issued,
        "exp": issued + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=algorithm)


def verify_access_token(token: str, *, secret: str, algorithm: str) -> Caller:
    """Accepts only the configured algorithm; 'none' and any other are refused.

    A token seen before is not checked again, only its expiry: every request of a client
    carries the same token, and checking its signature anew is a tenth of the gateway's work.
    """
    caller, expires = _verified(token, secret, algorithm)
    if expires <= time.time():
        raise InvalidToken("Signature has expired")
    return caller


@functools.lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified(token: str, secret: str, algorithm: str) -> tuple[Caller, float]:
    """The caller a valid token names, and when it expires (epoch seconds)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            options={"require": ["sub", "role", "exp", "iat", "jti"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    user_id, role = user_id_of(str(claims["sub"])), claims["role"]
    if user_id is None or role not in ("user", "admin"):
        raise InvalidToken("unexpected subject or role")
    caller = Caller(user_id=user_id, role="admin" if role == "admin" else "user")
    return caller, float(claims["exp"])
