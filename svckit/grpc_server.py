"""One way to run a gRPC service: health, reflection, error mapping, graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection
from sqlalchemy.exc import OperationalError

from svckit.authentication import IdentityInterceptor
from svckit.errors import ServiceError
from svckit.heap import freeze_startup_objects
from svckit.identity import REQUEST_ID_KEY, metadata_value
from svckit.interceptors import ServerInterceptor, UnaryHandler, UnaryInterceptor
from svckit.logging import request_id_var
from svckit.metrics import RPC_WORKER_CALLS, listen_host, metrics_server, observe_rpc
from svckit.settings import GrpcServing, JwtSettings
from svckit.stopping import end_if_stop_overruns
from svckit.text import control_character_error
from svckit.workers import worker_label

log = logging.getLogger(__name__)

Setup = Callable[[grpc.aio.Server], AbstractAsyncContextManager[Sequence[str]]]
"""Registers servicers on the server, starts background work, yields the full service names."""

SERVER_OPTIONS = [
    ("grpc.max_concurrent_streams", 1000),
    ("grpc.keepalive_permit_without_calls", 1),
    # Clients re-resolve their target when a connection ends (svckit/clients.py): ending each
    # one after a while lets them find pods that started since; calls in flight get the grace.
    ("grpc.max_connection_age_ms", 300_000),
    ("grpc.max_connection_age_grace_ms", 30_000),
]
GRACE_SECONDS = 5.0


class ErrorInterceptor(UnaryInterceptor):
    """Sets the request id for logs, turns domain errors into gRPC statuses, counts every call."""

    def __init__(self) -> None:
        self.worker_calls = RPC_WORKER_CALLS.labels(worker_label())

    def wrap(self, inner: UnaryHandler, details: grpc.HandlerCallDetails) -> UnaryHandler:
        method = details.method
        worker_calls = self.worker_calls
        request_id = metadata_value(details.invocation_metadata, REQUEST_ID_KEY)

        async def guarded(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            request_id_var.set(request_id or uuid.uuid4().hex)
            started = time.perf_counter()
            code = grpc.StatusCode.OK
            try:
                if (invalid := control_character_error(request)) is not None:
                    raise invalid
                return await inner(request, context)
            except ServiceError as error:
                code = error.status
                context.set_trailing_metadata(error.trailing_metadata())
                await context.abort(error.status, error.message)
            except OperationalError:
                code = grpc.StatusCode.UNAVAILABLE
                log.exception("database unavailable in %s", method)
                await context.abort(code, "database unavailable")
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            except grpc.aio.AbortError:
                code = context.code() or grpc.StatusCode.UNKNOWN
                raise
            except Exception:
                code = grpc.StatusCode.INTERNAL
                log.exception("unexpected error in %s", method)
                await context.abort(code, "internal error")
            finally:
                observe_rpc(method, code, time.perf_counter() - started)
                worker_calls.inc()

        return guarded


def interceptors(settings: JwtSettings) -> list[ServerInterceptor]:
    """What every service's server runs around each call: errors and metrics, then identity."""
    return [ErrorInterceptor(), IdentityInterceptor(settings)]


async def serve(name: str, serving: GrpcServing, setup: Setup, *, reuse_port: bool = False) -> None:
    """Runs the service until SIGTERM or SIGINT, then drains calls and stops cleanly.

    Prometheus metrics are served over HTTP on the host of its gRPC address, at its
    metrics port (0: no metrics endpoint). Every call's token is verified with its JWT secret.
    `reuse_port` lets the workers of one service bind the same port (svckit/workers.py).
    """
    with metrics_server(listen_host(serving.grpc_addr), serving.metrics_port):
        await _serve(name, serving, setup, reuse_port)


def server_options(reuse_port: bool) -> list[tuple[str, int]]:
    """SERVER_OPTIONS, with SO_REUSEPORT on for a worker (grpcio's own default on Linux is on:
    a single process sets it off, so a second server on its port fails instead of sharing)."""
    return [*SERVER_OPTIONS, ("grpc.so_reuseport", int(reuse_port))]


async def _serve(name: str, serving: GrpcServing, setup: Setup, reuse_port: bool) -> None:
    addr = serving.grpc_addr
    server = grpc.aio.server(interceptors=interceptors(serving), options=server_options(reuse_port))
    health = HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_stop_signal() -> None:
        stop.set()
        end_if_stop_overruns(name)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_stop_signal)
    async with setup(server) as service_names:
        health_name = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
        reflection.enable_server_reflection(
            [*service_names, health_name, reflection.SERVICE_NAME], server
        )
        if server.add_insecure_port(addr) == 0:
            raise RuntimeError(f"cannot listen on {addr}")
        await server.start()
        for service_name in ("", *service_names):
            await health.set(service_name, health_pb2.HealthCheckResponse.SERVING)
        freeze_startup_objects()
        log.info("%s serving on %s", name, addr)
        await stop.wait()
        log.info("%s shutting down", name)
        await health.enter_graceful_shutdown()
        await server.stop(GRACE_SECONDS)
    log.info("%s stopped", name)
