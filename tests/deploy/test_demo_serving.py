"""The demo loader waits for a service that starts more slowly than a peer call may wait.

A call on a peer channel waits at most 10 s for its service (svckit.clients caps every
deadline there); `make run` starts the services and loads the demo at once, and on a busy
machine a service can take longer than that to listen.
"""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from deploy.demo import serving
from svckit.clients import bearer_channel
from tests.helpers import free_port

SLOW_START_SECONDS = 11.0


async def start_later(port: int) -> grpc.aio.Server:
    await asyncio.sleep(SLOW_START_SECONDS)
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(HealthServicer(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    return server


async def test_a_peer_call_gives_up_on_a_slow_service_but_the_loader_waits_for_it() -> None:
    port = free_port()
    channel = bearer_channel(f"127.0.0.1:{port}", lambda: "token")
    starting = asyncio.create_task(start_later(port))
    try:
        check = health_pb2_grpc.HealthStub(channel).Check
        with pytest.raises(grpc.aio.AioRpcError) as gave_up:
            await check(health_pb2.HealthCheckRequest(), wait_for_ready=True, timeout=60)
        assert gave_up.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert not starting.done()
        await serving(channel)
        assert starting.done()
        answer = await check(health_pb2.HealthCheckRequest(), timeout=5)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        server = await starting
        await server.stop(None)
        await channel.close(grace=None)
