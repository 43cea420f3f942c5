"""`python -m svckit.healthcheck HOST:PORT [SERVICE]`: exit 0 when the gRPC server is SERVING.

For container health checks (docker compose); Kubernetes uses its native gRPC probes instead.
An empty SERVICE asks about the whole server, as the grpc.health.v1 protocol defines.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

DEFAULT_TIMEOUT_SECONDS = 2.0


def serving_status(addr: str, service: str = "", timeout: float = DEFAULT_TIMEOUT_SECONDS) -> str:
    """The server's answer for `service` (SERVING, NOT_SERVING, ...) or the gRPC error code."""
    with grpc.insecure_channel(addr) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError as error:
            code = error.code() if isinstance(error, grpc.Call) else None
            return code.name if code is not None else "UNKNOWN"
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m svckit.healthcheck", description=__doc__)
    parser.add_argument("addr", help="HOST:PORT of the gRPC server")
    parser.add_argument("service", nargs="?", default="", help="full service name; empty: server")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS, help="seconds")
    args = parser.parse_args(argv)
    status = serving_status(args.addr, args.service, args.timeout)
    if status == "SERVING":
        return 0
    print(f"{args.addr} {args.service or '(server)'}: {status}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
