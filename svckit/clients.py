"""gRPC client channels between services and from the gateway."""

from __future__ import annotations

import grpc

CHANNEL_OPTIONS = [
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.enable_retries", 1),
]


def insecure_channel(addr: str) -> grpc.aio.Channel:
    """A channel on the local network; TLS is terminated in front of the deployment."""
    return grpc.aio.insecure_channel(addr, options=CHANNEL_OPTIONS)
