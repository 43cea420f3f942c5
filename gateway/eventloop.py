"""The gateway's event loop: uvloop, with servers that accept every waiting connection at once.

uvloop is the fastest loop uvicorn runs on (a seat-map read costs a quarter less CPU than on
asyncio's own loop), but the libuv inside it accepts one connection each time the listening
socket is polled, about once per turn of the loop. A turn of a loop that thousands of clients
keep busy lasts a tenth of a second or more, so in a presale's first seconds new connections
waited in the listen backlog for many seconds (measured: 1,300 waiting, accepted at 6-15 a
second, some answered only after 30 s). asyncio's own servers accept up to the backlog at
each poll; so do these: a server of this loop accepts everything waiting whenever its socket
is readable and hands each connection to uvloop (`connect_accepted_socket`), which serves it
as if it had accepted it itself.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import uvloop

log = logging.getLogger(__name__)

ACCEPT_PAUSE_SECONDS = 0.1
"""How long a server stops accepting when the process is out of file descriptors."""
OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class GreedyServer(asyncio.AbstractServer):
    """A listening socket whose waiting connections are all accepted at each poll."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        batch: int,
    ) -> None:
        self._loop = loop
        self._sock = sock
        self._protocol_factory = protocol_factory
        self._batch = max(1, batch)
        self._serving = False
        self._handing_over: set[asyncio.Task[Any]] = set()
        sock.setblocking(False)
        self._start_accepting()

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return () if self._sock.fileno() < 0 else (self._sock,)

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def is_serving(self) -> bool:
        return self._serving

    async def start_serving(self) -> None:
        if not self._serving and self._sock.fileno() >= 0:
            self._start_accepting()

    async def serve_forever(self) -> None:
        raise NotImplementedError("uvicorn serves the connections; this server only accepts")

    def close(self) -> None:
        if self._sock.fileno() < 0:
            return
        self._stop_accepting()
        self._sock.close()

    async def wait_closed(self) -> None:
        """Waits for the connections accepted before `close` to reach their protocols."""
        if self._handing_over:
            await asyncio.gather(*self._handing_over, return_exceptions=True)

    def _start_accepting(self) -> None:
        self._loop.add_reader(self._sock.fileno(), self._accept_waiting)
        self._serving = True

    def _stop_accepting(self) -> None:
        if self._serving:
            self._loop.remove_reader(self._sock.fileno())
            self._serving = False

    def _accept_waiting(self) -> None:
        for _ in range(self._batch):
            try:
                connection, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as error:
                if error.errno not in OUT_OF_DESCRIPTORS:
                    raise
                log.warning("cannot accept connections for now: %s", error)
                self._stop_accepting()
                self._loop.call_later(ACCEPT_PAUSE_SECONDS, self._resume_accepting)
                return
            self._hand_over(connection)

    def _resume_accepting(self) -> None:
        if self._sock.fileno() >= 0 and not self._serving:
            self._start_accepting()

    def _hand_over(self, connection: socket.socket) -> None:
        connection.setblocking(False)
        task = self._loop.create_task(self._connect(connection))
        self._handing_over.add(task)
        task.add_done_callback(self._handing_over.discard)

    async def _connect(self, connection: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(self._protocol_factory, connection)
        except OSError as error:  # the client went away before its connection was set up
            log.debug("connection lost while it was accepted: %s", error)
            connection.close()


def listening_socket(host: str | None, port: int | None, backlog: int) -> socket.socket:
    """A TCP socket listening on host:port (all interfaces for no host)."""
    family = socket.AF_INET6 if host and ":" in host else socket.AF_INET
    return socket.create_server((host or "", port or 0), family=family, backlog=backlog)


class GreedyAcceptLoop(uvloop.Loop):
    """uvloop whose plain TCP servers are `GreedyServer`s (TLS servers stay uvloop's own)."""

    async def create_server(  # type: ignore[override]
        self,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        host: str | Iterable[str] | None = None,
        port: int | None = None,
        *,
        sock: socket.socket | None = None,
        backlog: int = 100,
        ssl: Any = None,
        **options: Any,
    ) -> asyncio.AbstractServer:
        if ssl is not None or options or not (host is None or isinstance(host, str)):
            uvloop_create: Callable[..., Awaitable[asyncio.AbstractServer]] = super().create_server
            return await uvloop_create(
                protocol_factory, host, port, sock=sock, backlog=backlog, ssl=ssl, **options
            )
        if sock is None:
            sock = listening_socket(host, port, backlog)
        else:
            sock.listen(backlog)
        return GreedyServer(self, sock, protocol_factory, backlog)


def greedy_accept_loop() -> asyncio.AbstractEventLoop:
    """uvicorn's loop factory for the gateway (`loop="gateway.eventloop:greedy_accept_loop"`)."""
    return GreedyAcceptLoop()
