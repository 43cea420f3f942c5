"""How the gateway process serves HTTP and WebSockets: uvicorn with bounded heads and frames,
on an event loop that accepts every waiting connection at once (gateway/eventloop.py)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from types import FrameType
from typing import Any, ClassVar, NamedTuple

import httptools
import uvicorn
from prometheus_client import Counter
from uvicorn.config import STARTUP_FAILURE
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.admission import ARRIVED_AT, ShedAtOnce
from gateway.app import create_app
from gateway.direct import Direct, DirectAnswer, header_lines
from gateway.eventloop import greedy_accept_loop
from gateway.metrics import answered, request_id_of
from gateway.routes.seatmap import KeptSeatMaps
from gateway.settings import GatewaySettings
from gateway.sockets import raise_open_file_limit
from svckit.logging import request_id_var
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
CONTINUE = b"HTTP/1.1 100 "
"""How an interim `100 Continue` answer starts (uvicorn's, to a request that expects one)."""
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


class DirectRequest(NamedTuple):
    """A request the server answers itself, until it has been read to its end."""

    answer: DirectAnswer
    method: str
    path: str
    started: float


class OneWritePerResponse:
    """The transport a connection's requests write their responses to: a response's head is
    held until its first body bytes (or its end), so a small response leaves in one write and
    one TCP segment, not two (uvicorn writes the head and the body apart, and the socket sends
    at once). That is a send, and a segment for the client to read, less per response.

    Responses on one connection are sequential (uvicorn queues pipelined requests), so one
    holder serves them all; `end_response` flushes what is held when a response ends (a HEAD,
    for one, writes no body). A `100 Continue` is never held: the client waits for it.
    """

    __slots__ = ("awaiting_head", "head", "transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.head: bytes | None = None
        self.awaiting_head = True

    def write(self, data: bytes) -> None:
        if self.head is not None:
            data, self.head = self.head + data, None
        elif self.awaiting_head and not data.startswith(CONTINUE):
            self.head, self.awaiting_head = data, False
            return
        self.transport.write(data)

    def end_response(self) -> None:
        if self.head is not None:
            self.transport.write(self.head)
            self.head = None
        self.awaiting_head = True

    def close(self) -> None:
        self.end_response()
        self.transport.close()

    def is_closing(self) -> bool:
        return self.transport.is_closing()


class BoundedHeadProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that answers 431 to a request head over MAX_HEAD_BYTES,
    stamps each request with when its head was read (ARRIVED_AT, for admission control), and
    gives the answers its direct answerers have (gateway/direct.py) itself.

    A direct answer is written when the request has been read, in one write, without a task
    or the app: it costs a fraction of an answer through the app, and as it is never in
    flight, admission control has nothing to bound. It is counted and logged like any answer
    (gateway/metrics.py), but for a shed request, which is counted as shed. It waits its turn
    behind an earlier request of the same connection that is still being answered, by going
    to the app like any other.

    httptools itself takes a head of any size. This counts the head as it is parsed (a head
    that came whole is refused when it is complete) and the bytes that arrive while a head is
    still incomplete (a head that keeps coming is cut off), so a huge header costs about
    MAX_HEAD_BYTES of memory, not its size.
    """

    answerers: ClassVar[tuple[Direct, ...]] = ()
    """The direct answerers of the class's connections, asked in turn (`answering_directly`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _ACCEPTED.inc()
        self._direct_answer: DirectRequest | None = None
        self._in_head = False
        self._head_bytes = 0
        self._head_arrived = 0
        self._refused = False
        self._responses: OneWritePerResponse | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._responses = OneWritePerResponse(transport)

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
        if self.answerers and self._may_answer_directly():
            started = time.perf_counter()
            method, path = self.parser.get_method(), httptools.parse_url(self.url).path
            for answerer in self.answerers:
                if (answer := answerer(method, path, self.headers)) is not None:
                    self._direct_answer = DirectRequest(
                        answer, method.decode("latin-1"), path.decode("latin-1"), started
                    )
                    return
        self.scope[ARRIVED_AT] = time.monotonic()  # type: ignore[literal-required]
        super().on_headers_complete()
        if self.cycle is not None and self._responses is not None:
            self.cycle.transport = self._responses  # type: ignore[assignment]

    def on_body(self, body: bytes) -> None:
        if self._direct_answer is None:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._direct_answer is None:
            super().on_message_complete()
            return
        request, self._direct_answer = self._direct_answer, None
        self._send_direct(request)

    def _may_answer_directly(self) -> bool:
        """Not an upgrade, not waiting for `100 Continue`, and no earlier request of the
        connection still unanswered."""
        if self.parser.should_upgrade() or self.expect_100_continue:
            return False
        return (self.cycle is None or self.cycle.response_complete) and not self.pipeline

    def _send_direct(self, request: DirectRequest) -> None:
        answer = request.answer
        keep_alive = self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
        request_id = request_id_of(self.headers)
        head = [b"HTTP/1.1 %d %s\r\n" % (answer.status, answer.reason)]
        head.append(header_lines(self.server_state.default_headers))
        head.append(b"x-request-id: " + request_id.encode() + b"\r\n")
        if not keep_alive:
            head.append(b"connection: close\r\n")
        head += (answer.head, b"\r\n", answer.body)
        self.transport.write(b"".join(head))
        if not keep_alive:
            self.transport.close()
        if answer.route is not None:
            seconds = time.perf_counter() - request.started
            logged_as = request_id_var.set(request_id)
            try:
                answered(request.method, request.path, answer.route, answer.status, seconds)
            finally:
                request_id_var.reset(logged_as)
        self.on_response_complete()

    def on_response_complete(self) -> None:
        if self._responses is not None:
            self._responses.end_response()
        super().on_response_complete()

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


def answering_directly(*answerers: Direct) -> type[BoundedHeadProtocol]:
    """The protocol class whose connections give the first answer of `answerers` themselves."""

    class DirectAnswering(BoundedHeadProtocol):
        pass

    DirectAnswering.answerers = answerers
    return DirectAnswering


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
    app = create_app(settings)
    kept_seat_maps = KeptSeatMaps(
        app,
        compress_min_bytes=settings.gateway_compress_min_bytes,
        compress_level=settings.gateway_compress_level,
    )
    shed = ShedAtOnce(app.state.admission_gates, settings.gateway_overload_retry_after_seconds)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        backlog=backlog,
        http=answering_directly(kept_seat_maps, shed),
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
