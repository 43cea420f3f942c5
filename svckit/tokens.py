"""JWT access tokens: signed by user_svc at login, verified by the gateway on every call."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt

from svckit.identity import Caller


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
    """Accepts only the configured algorithm; 'none' and any other are refused."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            options={"require": ["sub", "role", "exp", "iat", "jti"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    subject, role = str(claims["sub"]), claims["role"]
    if not subject.isdigit() or role not in ("user", "admin"):
        raise InvalidToken("unexpected subject or role")
    return Caller(user_id=int(subject), role="admin" if role == "admin" else "user")
