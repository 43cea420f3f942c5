"""svckit.clients: channels spread calls over every address of their target (round_robin)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer

from svckit.clients import CHANNEL_OPTIONS, insecure_channel
from svckit.grpc_server import SERVER_OPTIONS


class CountingHealth(HealthServicer):  # type: ignore[misc]
    """A health service that counts the checks it answers."""

    def __init__(self) -> None:
        super().__init__()
        self.checks = 0

    async def Check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> health_pb2.HealthCheckResponse:
        self.checks += 1
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
