"""`python -m svckit.healthcheck`: the compose health check of a gRPC service."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from svckit.healthcheck import main
from tests.deploy.code_facts import ROOT
from tests.helpers import free_port

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture(scope="module")
def health_server() -> Iterator[tuple[str, health.HealthServicer]]:
    """A gRPC server with only the health service, on a free loopback port."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}", servicer
    finally:
        server.stop(grace=None)


def test_a_serving_server_passes(health_server: tuple[str, health.HealthServicer]) -> None:
    addr, servicer = health_server
    servicer.set("", SERVING)
    assert main([addr]) == 0


def test_a_server_that_stopped_serving_fails(
    health_server: tuple[str, health.HealthServicer], capsys: pytest.CaptureFixture[str]
) -> None:
    addr, servicer = health_server
    servicer.set("cinemapb.test.v1.Draining", NOT_SERVING)
    assert main([addr, "cinemapb.test.v1.Draining"]) == 1
    assert "NOT_SERVING" in capsys.readouterr().err


def test_an_unknown_service_fails(
    health_server: tuple[str, health.HealthServicer], capsys: pytest.CaptureFixture[str]
) -> None:
    addr, _ = health_server
    assert main([addr, "cinemapb.test.v1.Unknown"]) == 1
    assert "NOT_FOUND" in capsys.readouterr().err


def test_nothing_listening_fails_within_the_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([f"127.0.0.1:{free_port()}", "--timeout", "1"]) == 1
    assert "UNAVAILABLE" in capsys.readouterr().err


def test_the_module_runs_as_the_compose_command(
    health_server: tuple[str, health.HealthServicer],
) -> None:
    addr, servicer = health_server
    servicer.set("", SERVING)
    result = subprocess.run(
        [sys.executable, "-m", "svckit.healthcheck", addr],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
