"""The gateway's event loop accepts every waiting connection at once, and serves them."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Callable, Iterator
from typing import Any

import uvloop

from gateway.eventloop import GreedyAcceptLoop, GreedyServer, greedy_accept_loop

WAITING = 300


class Counted(asyncio.Protocol):
    """Counts connections made and answers every byte with `ok`."""

    made = 0

    def connection_made(self, transport: Any) -> None:
        Counted.made += 1
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(b"ok")


@contextlib.contextmanager
def clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections to the port, set up by the kernel (waiting to be accepted)."""
    opened = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    try:
        yield opened
    finally:
        for sock in opened:
            sock.close()


async def turns(count: int) -> None:
    """Lets the loop go round `count` times."""
    for _ in range(count):
        await asyncio.sleep(0)


def accepted_within_a_few_turns(loop_factory: Callable[[], asyncio.AbstractEventLoop]) -> int:
    async def scenario() -> int:
        Counted.made = 0
        server = await asyncio.get_running_loop().create_server(
            Counted, "127.0.0.1", 0, backlog=1024
        )
        port = server.sockets[0].getsockname()[1]
        with clients(port, WAITING):
            await turns(5)
            made = Counted.made
        server.close()
        return made

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(scenario())


def test_every_waiting_connection_is_accepted_at_once() -> None:
    assert accepted_within_a_few_turns(greedy_accept_loop) == WAITING


def test_plain_uvloop_accepts_one_at_a_time_which_is_why_this_loop_exists() -> None:
    assert accepted_within_a_few_turns(uvloop.new_event_loop) < WAITING / 10


def test_an_accepted_connection_is_served_and_a_given_socket_is_used() -> None:
    async def scenario() -> bytes:
        listening = socket.create_server(("127.0.0.1", 0))
        server = await asyncio.get_running_loop().create_server(Counted, sock=listening)
        assert isinstance(server, GreedyServer)
        assert server.sockets == (listening,)
        reader, writer = await asyncio.open_connection(*listening.getsockname())
        writer.write(b"hi")
        answer = await reader.readexactly(2)
        writer.close()
        server.close()
        await server.wait_closed()
        assert not server.is_serving()
        assert listening.fileno() == -1
        return answer

    with asyncio.Runner(loop_factory=greedy_accept_loop) as runner:
        assert runner.run(scenario()) == b"ok"


class OutOfDescriptors(socket.socket):
    """A listening socket whose accept fails as in a process out of file descriptors."""

    failing = True

    def accept(self) -> tuple[socket.socket, Any]:
        if self.failing:
            raise OSError(errno.EMFILE, "Too many open files")
        return super().accept()


def test_out_of_file_descriptors_pauses_accepting_instead_of_spinning() -> None:
    async def scenario() -> tuple[bool, int]:
        listening = OutOfDescriptors(socket.AF_INET, socket.SOCK_STREAM)
        listening.bind(("127.0.0.1", 0))
        server = await asyncio.get_running_loop().create_server(Counted, sock=listening)
        assert isinstance(server, GreedyServer)
        Counted.made = 0
        with clients(listening.getsockname()[1], 1):
            await turns(3)
            paused = not server.is_serving()
            listening.failing = False
            await asyncio.sleep(0.3)
            made = Counted.made
        server.close()
        return paused, made

    with asyncio.Runner(loop_factory=greedy_accept_loop) as runner:
        assert runner.run(scenario()) == (True, 1)


def test_tls_servers_stay_uvloops_own() -> None:
    import ssl

    async def scenario() -> asyncio.AbstractServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server = await asyncio.get_running_loop().create_server(
            Counted, "127.0.0.1", 0, ssl=context
        )
        server.close()
        return server

    with asyncio.Runner(loop_factory=greedy_accept_loop) as runner:
        assert not isinstance(runner.run(scenario()), GreedyServer)
    assert issubclass(GreedyAcceptLoop, uvloop.Loop)
