"""gRPC client channels: the gateway's (users' tokens per call) and services' (their own)."""

from __future__ import annotations

import itertools
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
MAX_RECONNECT_BACKOFF_MS = 1000
"""The longest a channel waits between two attempts to reach a peer that is down (+-20 %).

gRPC's own backoff starts at 1 s and grows 1.6 times per failed attempt (to two minutes at
most), so the gateway went on refusing calls to a restarted service for 1-3.4 s after it
served again (outages of 1-60 s), against 0.2-0.7 s with this. An attempt at a peer that is
down costs one refused connection.
"""

CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.enable_retries", 1),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", MAX_RECONNECT_BACKOFF_MS),
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


def insecure_channels(addr: str, count: int) -> grpc.aio.Channel:
    """`insecure_channel(addr)`, or with `count` > 1 a pool of that many channels, each with a
    TCP connection of its own, taking calls in turn.

    A server of several worker processes on one port (svckit/workers.py) gets each connection
    accepted by one worker: one connection would reach one worker only.
    """
    if count == 1:
        return insecure_channel(addr)
    own_connection = [*CHANNEL_OPTIONS, ("grpc.use_local_subchannel_pool", 1)]
    return ChannelPool(
        [grpc.aio.insecure_channel(addr, options=own_connection) for _ in range(count)]
    )


class ChannelPool(grpc.aio.Channel):
    """Channels used in turn, call by call, whichever stub or method makes the call."""

    def __init__(self, channels: list[grpc.aio.Channel]) -> None:
        self.channels = channels
        self._turns = itertools.cycle(range(len(channels))).__next__

    async def __aenter__(self) -> ChannelPool:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self, grace: float | None = None) -> None:
        for channel in self.channels:
            await channel.close(grace)

    def get_state(self, try_to_connect: bool = False) -> grpc.ChannelConnectivity:
        return self.channels[0].get_state(try_to_connect)

    async def wait_for_state_change(self, last_observed_state: grpc.ChannelConnectivity) -> None:
        await self.channels[0].wait_for_state_change(last_observed_state)

    async def channel_ready(self) -> None:
        for channel in self.channels:
            await channel.channel_ready()

    def unary_unary(self, *args: Any, **kwargs: Any) -> Any:
        return self._in_turn([channel.unary_unary(*args, **kwargs) for channel in self.channels])

    def unary_stream(self, *args: Any, **kwargs: Any) -> Any:
        return self._in_turn([channel.unary_stream(*args, **kwargs) for channel in self.channels])

    def stream_unary(self, *args: Any, **kwargs: Any) -> Any:
        return self._in_turn([channel.stream_unary(*args, **kwargs) for channel in self.channels])

    def stream_stream(self, *args: Any, **kwargs: Any) -> Any:
        return self._in_turn([channel.stream_stream(*args, **kwargs) for channel in self.channels])

    def _in_turn(self, methods: list[Callable[..., Any]]) -> Callable[..., Any]:
        """One method of every channel: each call goes to the channel whose turn it is."""
        turns = self._turns

        def call(*args: Any, **kwargs: Any) -> Any:
            return methods[turns()](*args, **kwargs)

        return call


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
