"""Answers the gateway's HTTP protocol gives itself, without the ASGI app (gateway/server.py).

A request the app would answer from memory, the same way for everyone, costs far more in the
app's machinery (a task, the middleware, the ASGI messages) than in its answer: a seat map
kept in memory, a 503 to a request whose class is at its in-flight limit. A `Direct` answerer
looks at a request's method, path and headers as the server has read them and returns the
whole answer, or None to leave the request to the app, which then answers it as always. It
may not wait for anything: it runs inside the server's read of the request.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DirectAnswer:
    status: int
    reason: bytes
    """The status line's reason phrase (`OK`, `Not Modified`)."""
    head: bytes
    """The answer's header lines, each ending in CRLF; the server adds its own (date, server,
    X-Request-ID) and the blank line."""
    body: bytes
    route: str | None
    """The route template the answer is counted and logged as (gateway/metrics.py); None for
    an answer its answerer counts itself (a shed request is not an answered one)."""


class Direct(Protocol):
    def __call__(
        self, method: bytes, path: bytes, headers: Sequence[tuple[bytes, bytes]]
    ) -> DirectAnswer | None:
        """The answer to `method path` with `headers` (names in lower case), or None."""


def header_lines(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """Headers as they go on the wire, each line ending in CRLF."""
    return b"".join(name + b": " + value + b"\r\n" for name, value in headers)
