"""Service tokens: the short-lived identity a service presents when it calls another service.

Signed with the shared JWT secret like users' access tokens, but told apart by three marks a
user token never has: the header type `svc+jwt`, the audience `cinema-services` and the role
`service` (subject `service:<name>`). The gateway refuses them (they name no user); services
take them as a known caller that is never a user and never an admin.
"""

from __future__ import annotations

import functools
import re
import time
import uuid

import jwt

from svckit.identity import ServiceCaller
from svckit.settings import JwtSettings
from svckit.tokens import InvalidToken, decode_claims, remembered

SERVICE_TOKEN_TYPE = "svc+jwt"  # noqa: S105 (a JWT header type, not a secret)
SERVICE_AUDIENCE = "cinema-services"
SERVICE_ROLE = "service"
SUBJECT = re.compile(r"service:(?P<name>[a-z][a-z0-9_]{0,62})")
TOKEN_TTL_SECONDS = 300
RENEW_BEFORE_SECONDS = 60
"""A token is renewed this long before it expires, so no call in flight carries a stale one."""


def issue_service_token(
    name: str, *, secret: str, algorithm: str, ttl_seconds: int, now: float
) -> str:
    claims = {
        "sub": ServiceCaller(name).subject,
        "role": SERVICE_ROLE,
        "aud": SERVICE_AUDIENCE,
        "iat": int(now),
        "exp": int(now) + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=algorithm, headers={"typ": SERVICE_TOKEN_TYPE})


@functools.lru_cache(maxsize=10_000)
def is_service_token(token: str) -> bool:
    """Whether the token says it is a service token (its signature is not checked here).

    Remembered: every call a service serves asks this of a token it has mostly seen before.
    """
    try:
        return jwt.get_unverified_header(token).get("typ") == SERVICE_TOKEN_TYPE
    except jwt.PyJWTError:
        return False


def verify_service_token(token: str, *, secret: str, algorithm: str) -> ServiceCaller:
    """The service a valid service token names."""
    return _verified_service(token, secret, algorithm)


@remembered
def _verified_service(token: str, secret: str, algorithm: str) -> tuple[ServiceCaller, float]:
    claims = decode_claims(
        token,
        secret,
        algorithm,
        required=["sub", "role", "aud", "exp", "iat", "jti"],
        audience=SERVICE_AUDIENCE,
    )
    subject = SUBJECT.fullmatch(str(claims["sub"]))
    if subject is None or claims["role"] != SERVICE_ROLE:
        raise InvalidToken("unexpected subject or role")
    return ServiceCaller(subject["name"]), float(claims["exp"])


class ServiceTokens:
    """This service's own token: minted when first needed, renewed shortly before it expires."""

    def __init__(self, name: str, settings: JwtSettings) -> None:
        if SUBJECT.fullmatch(ServiceCaller(name).subject) is None:
            raise ValueError(f"not a service name: {name!r}")
        self.name = name
        self.settings = settings
        self._token = ""
        self._renew_at = 0.0

    def token(self) -> str:
        now = time.time()
        if now >= self._renew_at:
            self._token = issue_service_token(
                self.name,
                secret=self.settings.jwt_secret.get_secret_value(),
                algorithm=self.settings.jwt_algorithm,
                ttl_seconds=TOKEN_TTL_SECONDS,
                now=now,
            )
            self._renew_at = now + TOKEN_TTL_SECONDS - RENEW_BEFORE_SECONDS
        return self._token
