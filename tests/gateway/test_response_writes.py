"""The gateway's HTTP protocol writes each small response once: head and body in one send."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from gateway.server import BoundedHeadProtocol


class RecordingTransport(asyncio.Transport):
    """What the protocol wrote, one entry per write, and whether it closed."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if data:
            self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """/small: one JSON body; /stream: three chunks; a body, if any, is read first."""
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        await receive()
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for chunk in (b"one", b"two", b"three"):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b""})
        return
    body = b'{"seats": []}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def served(*requests: bytes) -> RecordingTransport:
    """The writes of one connection that sent `requests`, one after the other's answer."""
    config = uvicorn.Config(app, http=BoundedHeadProtocol, lifespan="off", log_config=None)
    config.load()
    state = ServerState()
    protocol = BoundedHeadProtocol(config=config, server_state=state, app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    for request in requests:
        protocol.data_received(request)
        while state.tasks:
            await asyncio.gather(*state.tasks)
    return transport


async def test_a_small_response_is_one_write() -> None:
    transport = await served(b"GET /small HTTP/1.1\r\nhost: x\r\n\r\n")
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert transport.writes[0].endswith(b'\r\n\r\n{"seats": []}')


async def test_each_response_of_a_keep_alive_connection_is_one_write_even_without_a_body() -> None:
    transport = await served(
        b"HEAD /small HTTP/1.1\r\nhost: x\r\n\r\n", b"GET /small HTTP/1.1\r\nhost: x\r\n\r\n"
    )
    head, answer = transport.writes
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert head.endswith(b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b"[]}")
    assert not transport.closed


async def test_100_continue_is_not_held_back() -> None:
    transport = await served(
        b"POST /small HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\n{}"
    )
    assert transport.writes[0] == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert len(transport.writes) == 2
    assert transport.writes[1].startswith(b"HTTP/1.1 200 OK\r\n")


async def test_a_streamed_response_sends_its_head_with_the_first_chunk_and_all_before_closing() -> (
    None
):
    transport = await served(b"GET /stream HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
    first, *rest = transport.writes
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    assert first.endswith(b"\r\n\r\n3\r\none\r\n")
    assert b"".join(rest) == b"3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n"
    assert transport.closed
