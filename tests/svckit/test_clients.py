"""svckit.clients: channels spread calls over every address of their target (round_robin)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from svckit.clients import CHANNEL_OPTIONS, ChannelPool, insecure_channel, insecure_channels
from svckit.grpc_server import SERVER_OPTIONS, server_options

PEER_DOWN_SECONDS = 6.0
"""Long enough for gRPC's default backoff (1 s, then 1.6 times longer each time, +-20 %) to leave
more than 2 s between two attempts, or since the last one."""


class CountingHealth(HealthServicer):  # type: ignore[misc]
    """A health service that counts the checks it answers."""

    def __init__(self) -> None:
        super().__init__()
        self.checks = 0
        self.peers: set[str] = set()

    async def Check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> health_pb2.HealthCheckResponse:
        self.checks += 1
        self.peers.add(context.peer())
        return await super().Check(request, context)


def test_channels_balance_round_robin_and_re_resolve_their_target() -> None:
    options = dict(CHANNEL_OPTIONS)
    service_config = json.loads(str(options["grpc.service_config"]))
    assert service_config["loadBalancingConfig"] == [{"round_robin": {}}]
    assert 0 < int(str(options["grpc.dns_min_time_between_resolutions_ms"])) <= 30_000


def test_servers_end_connections_so_clients_find_new_pods() -> None:
    options = dict(SERVER_OPTIONS)
    assert 0 < int(str(options["grpc.max_connection_age_ms"])) <= 600_000
    assert int(str(options["grpc.max_connection_age_grace_ms"])) > 0


@pytest.fixture
async def two_servers() -> AsyncIterator[tuple[list[CountingHealth], list[int]]]:
    servicers = [CountingHealth(), CountingHealth()]
    servers, ports = [], []
    for servicer in servicers:
        server = grpc.aio.server(options=SERVER_OPTIONS)
        health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
        ports.append(server.add_insecure_port("127.0.0.1:0"))
        await server.start()
        servers.append(server)
    yield servicers, ports
    for server in servers:
        await server.stop(None)


async def test_calls_of_one_channel_reach_every_address_of_its_target(
    two_servers: tuple[list[CountingHealth], list[int]],
) -> None:
    servicers, ports = two_servers
    target = "ipv4:" + ",".join(f"127.0.0.1:{port}" for port in ports)
    async with insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        await channel.channel_ready()
        for _ in range(20):  # the first calls may come before the second address is connected
            await stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
    checks = [servicer.checks for servicer in servicers]
    assert sum(checks) == 20
    assert min(checks) >= 5, f"calls pinned to one address: {checks}"


async def test_a_pool_spreads_calls_over_connections_of_its_own() -> None:
    """A server of several workers gets each connection to one worker: a pool of channels is
    several connections, used call by call in turn."""
    servicer = CountingHealth()
    server = grpc.aio.server(options=server_options(reuse_port=False))
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        pool = insecure_channels(f"127.0.0.1:{port}", 4)
        assert isinstance(pool, ChannelPool)
        async with pool:
            for _ in range(8):  # a stub made per call (the gateway's health checks) takes turns too
                stub = health_pb2_grpc.HealthStub(pool)
                await stub.Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert servicer.checks == 8
        assert len(servicer.peers) == 4, servicer.peers
        single = insecure_channels(f"127.0.0.1:{port}", 1)
        assert not isinstance(single, ChannelPool)
        await single.close(None)
    finally:
        await server.stop(None)


async def test_workers_bind_one_port_and_a_single_server_does_not_share_it() -> None:
    """grpc.so_reuseport: on for workers (several servers on one port), off for one process."""
    first = grpc.aio.server(options=server_options(reuse_port=True))
    port = first.add_insecure_port("127.0.0.1:0")
    second = grpc.aio.server(options=server_options(reuse_port=True))
    assert second.add_insecure_port(f"127.0.0.1:{port}") == port
    single = grpc.aio.server(options=server_options(reuse_port=False))
    with pytest.raises(RuntimeError):
        single.add_insecure_port(f"127.0.0.1:{port}")


async def test_a_channel_tries_a_peer_that_is_down_again_at_least_every_two_seconds() -> None:
    """A restarted service is called again soon after it is back: gRPC's own backoff between
    attempts grows 1.6 times per failure (to two minutes), so the longer a peer was down, the
    longer it went unused after it came back."""
    attempts: list[float] = []

    async def refuse(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        attempts.append(time.monotonic())
        writer.close()

    peer = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = peer.sockets[0].getsockname()[1]
    started = time.monotonic()
    try:
        async with insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as waited:
                await stub.Check(
                    health_pb2.HealthCheckRequest(), timeout=PEER_DOWN_SECONDS, wait_for_ready=True
                )
            assert waited.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    finally:
        peer.close()
        await peer.wait_closed()
    gaps = [
        later - earlier
        for earlier, later in itertools.pairwise([*attempts, started + PEER_DOWN_SECONDS])
    ]
    assert len(attempts) >= 4, attempts
    assert max(gaps) < 2.0, [round(gap, 2) for gap in gaps]
