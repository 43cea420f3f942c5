"""How the gateway process serves HTTP and WebSockets: uvicorn with bounded heads and frames,
on an event loop that accepts every waiting connection at once (gateway/eventloop.py)."""

from __future__ import annotations

import json
import sys
import time
from types import FrameType
from typing import Any

import uvicorn
from prometheus_client import Counter
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.admission import ARRIVED_AT
from gateway.app import create_app
from gateway.eventloop import greedy_accept_loop
from gateway.settings import GatewaySettings
from gateway.sockets import raise_open_file_limit
from svckit.stopping import end_if_stop_overruns
from svckit.workers import (
    current_worker,
    die_with_parent,
    reuse_port_socket,
    run_workers,
    worker_label,
)

MAX_HEAD_BYTES = 16 * 1024
"""The request line and headers of one request; more answers 431 and closes the connection."""
MAX_WS_FRAME_BYTES = 4096
"""The largest WebSocket message a client may send (the live feed reads none); more closes 1009."""
HEAD_TOO_LARGE = json.dumps(
    {"error": "request headers too large", "code": "request_header_fields_too_large"}
).encode()
HTTP_WORKER_CONNECTIONS = Counter(
    "http_worker_connections_total",
    "Connections the gateway accepted, by the worker process that accepted them.",
    ["worker"],
)
_ACCEPTED = HTTP_WORKER_CONNECTIONS.labels(worker_label())


class HeadTooLarge(Exception):
    """A request head passed MAX_HEAD_BYTES."""


class BoundedHeadProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that answers 431 to a request head over MAX_HEAD_BYTES,
    and stamps each request with when its head was read (ARRIVED_AT, for admission control).

    httptools itself takes a head of any size. This counts the head as it is parsed (a head
    that came whole is refused when it is complete) and the bytes that arrive while a head is
    still incomplete (a head that keeps coming is cut off), so a huge header costs about
    MAX_HEAD_BYTES of memory, not its size.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _ACCEPTED.inc()
        self._in_head = False
        self._head_bytes = 0
        self._head_arrived = 0
        self._refused = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = self._head_arrived = 0

    def on_url(self, url: bytes) -> None:
        self._head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._head_bytes > MAX_HEAD_BYTES:
            raise HeadTooLarge
        self.scope[ARRIVED_AT] = time.monotonic()  # type: ignore[literal-required]
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._in_head or self.transport.is_closing():
            return
        self._head_arrived += len(data)
        if self._head_arrived > MAX_HEAD_BYTES:
            self._refuse()

    def send_400_response(self, msg: str) -> None:
        """A head refused by `on_headers_complete` reaches here as a parser error: 431."""
        if self._in_head or self._head_bytes <= MAX_HEAD_BYTES:
            super().send_400_response(msg)
        else:
            self._refuse()

    def _refuse(self) -> None:
        if self._refused:
            return
        self._refused = True
        self.logger.warning("request head over %d bytes: 431", MAX_HEAD_BYTES)
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(HEAD_TOO_LARGE)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + HEAD_TOO_LARGE
        )
        self.transport.close()


class BoundedStopServer(uvicorn.Server):
    """uvicorn's server that ends the process if its stop overruns (svckit/stopping.py)."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        end_if_stop_overruns("gateway")


def serve(settings: GatewaySettings) -> None:
    """Runs the gateway until it is told to stop: in this process, or as GATEWAY_WORKERS
    worker processes sharing its port and its metrics port (svckit/workers.py)."""
    raise_open_file_limit()
    host, port = settings.gateway_host, settings.gateway_port
    backlog = settings.gateway_listen_backlog
    worker = current_worker()
    if worker is None and settings.gateway_workers > 1:
        metrics = (host, settings.gateway_metrics_port)
        sys.exit(
            run_workers("gateway", settings.gateway_workers, listen=(host, port), metrics=metrics)
        )
    sockets = None
    if worker is not None:
        die_with_parent(worker)
        settings = settings.model_copy(update={"gateway_metrics_port": 0})
        sockets = [reuse_port_socket(host, port, backlog)]
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        backlog=backlog,
        http=BoundedHeadProtocol,
        loop=f"{greedy_accept_loop.__module__}:{greedy_accept_loop.__name__}",
        ws_max_size=MAX_WS_FRAME_BYTES,
        ws_per_message_deflate=False,
        log_config=None,
        access_log=False,
    )
    server = BoundedStopServer(config)
    server.run(sockets=sockets)
    if not server.started:
        sys.exit(STARTUP_FAILURE)
