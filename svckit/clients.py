"""gRPC client channels: the gateway's (users' tokens per call) and services' (their own)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import grpc

from svckit.identity import AUTHORIZATION_KEY, BEARER_PREFIX
from svckit.service_identity import ServiceTokens

SERVICE_CONFIG: dict[str, object] = {"loadBalancingConfig": [{"round_robin": {}}]}
"""Calls spread over every address the target resolves to, not pinned to the first one.

Behind a headless Kubernetes Service (`dns:///user-svc:15051`) the name resolves to every ready
pod; servers end each connection after a while (svckit/grpc_server.py), and the channel then
resolves the name again, so pods started by a rolling update or a scale-up get calls too.
"""
DNS_MIN_SECONDS_BETWEEN_RESOLUTIONS = 5

CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.enable_retries", 1),
    ("grpc.service_config", json.dumps(SERVICE_CONFIG)),
    ("grpc.dns_min_time_between_resolutions_ms", DNS_MIN_SECONDS_BETWEEN_RESOLUTIONS * 1000),
]

PEER_SERVICE_CONFIG: dict[str, object] = SERVICE_CONFIG | {
    "methodConfig": [{"name": [{}], "waitForReady": True, "timeout": "10s"}]
}
"""A service calling a peer waits (within the call's deadline, at most 10 s) for the peer to be
reachable instead of failing at once while its channel reconnects after the peer restarted."""

PEER_CHANNEL_OPTIONS = [
    *(option for option in CHANNEL_OPTIONS if option[0] != "grpc.service_config"),
    ("grpc.service_config", json.dumps(PEER_SERVICE_CONFIG)),
]

if TYPE_CHECKING:
    UnaryUnaryClientInterceptor = grpc.aio.UnaryUnaryClientInterceptor[Any, Any]
else:
    UnaryUnaryClientInterceptor = grpc.aio.UnaryUnaryClientInterceptor


def insecure_channel(addr: str) -> grpc.aio.Channel:
    """A channel on the local network; TLS is terminated in front of the deployment.

    Calls carry whatever token their metadata gives (the gateway forwards its user's).
    """
    return grpc.aio.insecure_channel(addr, options=CHANNEL_OPTIONS)


def service_channel(addr: str, tokens: ServiceTokens) -> grpc.aio.Channel:
    """A channel whose every call carries this service's own token, whatever else it has."""
    return bearer_channel(addr, tokens.token)


def bearer_channel(addr: str, token: Callable[[], str]) -> grpc.aio.Channel:
    """A channel to a peer service whose every call carries the token `token()` gives at the
    time of the call."""
    return grpc.aio.insecure_channel(
        addr, options=PEER_CHANNEL_OPTIONS, interceptors=[cast(Any, BearerTokenInterceptor(token))]
    )


class BearerTokenInterceptor(UnaryUnaryClientInterceptor):
    """Puts the current token in each call's `authorization` metadata, replacing any other."""

    def __init__(self, token: Callable[[], str]) -> None:
        self.token = token

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        metadata = grpc.aio.Metadata(
            *((k, v) for k, v in client_call_details.metadata or () if k != AUTHORIZATION_KEY),
            (AUTHORIZATION_KEY, BEARER_PREFIX + self.token()),
        )
        details = grpc.aio.ClientCallDetails(
            client_call_details.method,
            client_call_details.timeout,
            metadata,
            client_call_details.credentials,
            client_call_details.wait_for_ready,
        )
        return await continuation(details, request)
