"""JWT access tokens (signed by user_svc at login, verified by the gateway and every service),
and the verifier that checks a token seen before only for expiry."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

import jwt

from svckit.identity import Caller, user_id_of
from svckit.vocabulary import ROLE, Role

VERIFIED_TOKENS_KEPT = 10_000
VERSION_CLAIM = "ver"
T = TypeVar("T")


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
    """Accepts only the configured algorithm; 'none' and any other are refused."""
    return _verified_access(token, secret, algorithm)


Interpretation = Callable[[str, str, str], tuple[T, float]]


def remembered(interpret: Interpretation[T]) -> Callable[[str, str, str], T]:
    """A token verifier that checks a token seen before only for expiry.

    Every request of a client carries the same token, and checking its signature anew is a
    tenth of the gateway's work. `interpret(token, secret, algorithm)` verifies a token and
    answers what it says with its expiry (epoch seconds), or raises InvalidToken.
    """
    cached = functools.lru_cache(maxsize=VERIFIED_TOKENS_KEPT)(interpret)

    def verify(token: str, secret: str, algorithm: str) -> T:
        verified, expires = cached(token, secret, algorithm)
        if expires <= time.time():
            raise InvalidToken("Signature has expired")
        return verified

    return verify


def decode_claims(
    token: str, secret: str, algorithm: str, *, required: list[str], audience: str | None = None
) -> dict[str, Any]:
    """The claims of a token signed with `secret` by `algorithm` (no other), or InvalidToken."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[algorithm], audience=audience, options={"require": required}
        )
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    return claims


@remembered
def _verified_access(token: str, secret: str, algorithm: str) -> tuple[AccessToken, float]:
    """What a valid access token says, and when it expires."""
    claims = decode_claims(token, secret, algorithm, required=["sub", "role", "exp", "iat", "jti"])
    user_id, role = user_id_of(str(claims["sub"])), claims["role"]
    if user_id is None or role not in ROLE:
        raise InvalidToken("unexpected subject or role")
    version = claims.get(VERSION_CLAIM, 0)
    if type(version) is not int or version < 0:
        raise InvalidToken("unexpected token version")
    caller = Caller(user_id=user_id, role=cast(Role, role))
    return AccessToken(caller, version), float(claims["exp"])
