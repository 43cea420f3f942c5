"""JWT access tokens: signed by user_svc at login, verified by the gateway on every call."""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from svckit.identity import Caller, user_id_of

VERIFIED_TOKENS_KEPT = 10_000
VERSION_CLAIM = "ver"


class InvalidToken(Exception):
    """The token is missing a claim, expired, forged, or uses another algorithm."""


@dataclass(frozen=True)
class AccessToken:
    """What a verified access token says: who calls, and the token version it was issued at.

    A token is current only while `version` equals the user's token version in user_svc;
    a token without the `ver` claim (issued before versions existed) counts as version 0.
    """

    caller: Caller
    version: int


def issue_access_token(
    caller: Caller,
    *,
    secret: str,
    algorithm: str,
    ttl_seconds: int,
    version: int = 0,
    now: datetime | None = None,
) -> str:
    """A signed token for the caller at the user's token `version`."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(caller.user_id),
        "role": caller.role,
        VERSION_CLAIM: version,
        "iat": issued,
        "exp": issued + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=algorithm)


def verify_access_token(token: str, *, secret: str, algorithm: str) -> Caller:
    """The caller a valid token names (see `verify_access_claims`)."""
    return verify_access_claims(token, secret=secret, algorithm=algorithm).caller


def verify_access_claims(token: str, *, secret: str, algorithm: str) -> AccessToken:
    """Accepts only the configured algorithm; 'none' and any other are refused.

    A token seen before is not checked again, only its expiry: every request of a client
    carries the same token, and checking its signature anew is a tenth of the gateway's work.
    """
    verified, expires = _verified(token, secret, algorithm)
    if expires <= time.time():
        raise InvalidToken("Signature has expired")
    return verified


@functools.lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified(token: str, secret: str, algorithm: str) -> tuple[AccessToken, float]:
    """What a valid token says, and when it expires (epoch seconds)."""
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
    version = claims.get(VERSION_CLAIM, 0)
    if type(version) is not int or version < 0:
        raise InvalidToken("unexpected token version")
    caller = Caller(user_id=user_id, role="admin" if role == "admin" else "user")
    return AccessToken(caller, version), float(claims["exp"])
