"""The server's identity check: every call's bearer token is verified before its handler runs.

No token: an anonymous call (public reads stay public; methods that need a user refuse it as
before). A valid user or service token: that caller, current for the handler
(svckit.identity.current_caller). Anything else: UNAUTHENTICATED with code `invalid_token`.
"""

from __future__ import annotations

import logging
from typing import Any

import grpc
from prometheus_client import Counter

from svckit.errors import Unauthenticated
from svckit.identity import (
    AUTHORIZATION_KEY,
    BEARER_PREFIX,
    Caller,
    Identity,
    acting_as,
    metadata_value,
)
from svckit.interceptors import UnaryHandler, UnaryInterceptor
from svckit.service_identity import is_service_token, verify_service_token
from svckit.settings import JwtSettings
from svckit.tokens import InvalidToken, verify_access_token

log = logging.getLogger(__name__)

RPC_CALLERS = Counter(
    "grpc_server_callers_total",
    "gRPC calls by kind of caller: anonymous, user, admin, service:<name>, or invalid.",
    ["grpc_method", "caller"],
)


def identify(authorization: str, settings: JwtSettings) -> Identity | None:
    """The caller an `authorization` metadata value names; None when there is none.

    Raises Unauthenticated (`invalid_token`) for a value that is not a valid bearer token.
    """
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    secret, algorithm = settings.jwt_secret.get_secret_value(), settings.jwt_algorithm
    try:
        if f"{scheme} " != BEARER_PREFIX or not token:
            raise InvalidToken("not a bearer token")
        if is_service_token(token):
            return verify_service_token(token, secret=secret, algorithm=algorithm)
        return verify_access_token(token, secret=secret, algorithm=algorithm)
    except InvalidToken as error:
        raise Unauthenticated("invalid or expired token", code="invalid_token") from error


def caller_label(identity: Identity | None) -> str:
    """How a caller is named in metrics and logs (a user by role, never by id)."""
    if identity is None:
        return "anonymous"
    if isinstance(identity, Caller):
        return identity.role
    return identity.subject


class IdentityInterceptor(UnaryInterceptor):
    """Verifies each unary call's token and runs its handler with that caller current."""

    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings

    def wrap(self, inner: UnaryHandler, details: grpc.HandlerCallDetails) -> UnaryHandler:
        method = details.method
        authorization = metadata_value(details.invocation_metadata, AUTHORIZATION_KEY)

        async def verified(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            try:
                identity = identify(authorization, self.settings)
            except Unauthenticated:
                RPC_CALLERS.labels(method, "invalid").inc()
                log.info("refused a call to %s with an invalid token", method)
                raise
            RPC_CALLERS.labels(method, caller_label(identity)).inc()
            with acting_as(identity):
                return await inner(request, context)

        return verified
