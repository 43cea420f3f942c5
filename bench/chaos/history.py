"""The recorded history: every client request with its answer, the fault windows, the watchers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

EXCERPT_CHARS = 200
OUTSIDE = ""
"""The window label of an exchange that fell in no fault window."""


@dataclass(frozen=True)
class Exchange:
    """One request and its answer; `status` None means no answer (refused, reset, timed out)."""

    client: str
    kind: str
    method: str
    path: str
    started: float
    ended: float
    status: int | None
    excerpt: str
    booking_id: str = ""
    session_id: int = 0
    seat_ids: tuple[int, ...] = ()
    window: str = OUTSIDE


@dataclass(frozen=True)
class FaultWindow:
    """From the injection of a fault until the system answered healthy again (plus a grace)."""

    name: str
    started: float
    ended: float
    recovered_after: float | None
    """Seconds from the injection until healthy again; None: it never recovered."""

    def overlaps(self, exchange: Exchange) -> bool:
        return exchange.started < self.ended and exchange.ended > self.started


@dataclass(frozen=True)
class ProcessExit:
    """A process of the stack that ended, and whether a fault killed it."""

    at: float
    name: str
    code: int
    killed: bool


@dataclass
class SeatMapView:
    """A session's seat map as someone saw it: its version and each seat's status."""

    version: int
    seats: dict[int, str]


@dataclass
class WatcherLog:
    """What one live watcher saw of its session."""

    session_id: int
    view: SeatMapView | None = None
    connects: int = 0
    snapshots: int = 0
    changes: int = 0
    closes: list[str] = field(default_factory=list)


@dataclass
class History:
    exchanges: list[Exchange] = field(default_factory=list)
    windows: list[FaultWindow] = field(default_factory=list)
    watchers: dict[int, WatcherLog] = field(default_factory=dict)
    exits: list[ProcessExit] = field(default_factory=list)

    def labelled(self) -> History:
        """The same history with each exchange's fault window named."""
        return History(
            [replace(e, window=window_of(e, self.windows)) for e in self.exchanges],
            self.windows,
            self.watchers,
            self.exits,
        )

    def dump(self, path: Path) -> None:
        """Writes the history as JSON lines (windows, then exchanges) for a later look."""
        path.parent.mkdir(parents=True, exist_ok=True)
        lines: Iterable[dict[str, Any]] = (
            *({"window": asdict(w)} for w in self.windows),
            *({"exchange": asdict(e)} for e in self.exchanges),
        )
        path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def window_of(exchange: Exchange, windows: Iterable[FaultWindow]) -> str:
    return next((w.name for w in windows if w.overlaps(exchange)), OUTSIDE)


class Recorder:
    """Makes requests for the clients and records each one with its answer."""

    def __init__(self) -> None:
        self.origin = time.monotonic()
        self.history = History()

    def now(self) -> float:
        """Seconds since the recording began."""
        return time.monotonic() - self.origin

    async def call(
        self,
        http: httpx.AsyncClient,
        client: str,
        kind: str,
        method: str,
        path: str,
        **request: Any,
    ) -> httpx.Response | None:
        """Sends one request; returns the response, or None when none came."""
        started = self.now()
        response: httpx.Response | None = None
        try:
            response = await http.request(method, path, **request)
            excerpt = response.text[:EXCERPT_CHARS]
        except httpx.HTTPError as error:
            excerpt = f"{type(error).__name__}: {error}"[:EXCERPT_CHARS]
        exchange = Exchange(
            client=client,
            kind=kind,
            method=method,
            path=path,
            started=started,
            ended=self.now(),
            status=None if response is None else response.status_code,
            excerpt=excerpt,
        )
        if response is not None and response.status_code in (200, 201) and kind != "seats":
            exchange = _with_booking(exchange, response)
        self.history.exchanges.append(exchange)
        return response


def _with_booking(exchange: Exchange, response: httpx.Response) -> Exchange:
    """Notes which booking (session, seats) a booking answer was about."""
    try:
        body = response.json()
        return replace(
            exchange,
            booking_id=str(body["id"]),
            session_id=int(body["session_id"]),
            seat_ids=tuple(sorted(int(seat["seat_id"]) for seat in body["seats"])),
        )
    except (ValueError, KeyError, TypeError):
        return exchange
