"""The server's identity check: every call's bearer token is verified before its handler runs.

No token: an anonymous call (public reads stay public; methods that need a user refuse it as
before). A valid user or service token: that caller, current for the handler
(svckit.identity.current_caller). Anything else: UNAUTHENTICATED with code `invalid_token`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

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
from svckit.service_identity import is_service_token, verify_service_token
from svckit.settings import JwtSettings
from svckit.tokens import InvalidToken, verify_access_token

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    ServerInterceptor = grpc.aio.ServerInterceptor[Any, Any]
    MethodHandler = grpc.RpcMethodHandler[Any, Any]
else:
    ServerInterceptor = grpc.aio.ServerInterceptor
    MethodHandler = grpc.RpcMethodHandler

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


class IdentityInterceptor(ServerInterceptor):
    """Verifies each unary call's token and runs its handler with that caller current."""

    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[MethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> MethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        method = handler_call_details.method
        authorization = metadata_value(handler_call_details.invocation_metadata, AUTHORIZATION_KEY)

        async def verified(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            try:
                identity = identify(authorization, self.settings)
            except Unauthenticated:
                RPC_CALLERS.labels(method, "invalid").inc()
                log.info("refused a call to %s with an invalid token", method)
                raise
            RPC_CALLERS.labels(method, caller_label(identity)).inc()
            with acting_as(identity):
                return await inner(request, cast(Any, context))

        return grpc.unary_unary_rpc_method_handler(
            verified,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
