"""Seat maps of recently read sessions, kept in memory and current from the live feed.

GET /api/sessions/{id}/seats answers from here. Each kept map has a version and follows the
booking events in version order, like a watcher: a change ahead of a missing one waits
REORDER_GRACE_SECONDS for it, and a gap that does not fill drops the map, so the next read
loads it again from booking_svc (through the hub's coalescing `Snapshots`: one load per
session at a time, however many readers wait for it). A session's `cinema.session-changed`
(prices, layout, times, cancellation) drops its map too, and so does a restart of the feed;
while the feed is down nothing is kept and every read is a (coalesced) load.

A map is rendered to JSON once per version, at the first read of that version, from each
seat's JSON, which is rendered again only when a change touched the seat.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from pydantic import TypeAdapter

from gateway.live.hub import REORDER_GRACE_SECONDS, Snapshots
from gateway.live.protocol import Change, Snapshot
from gateway.schemas import SeatStateOut

MAX_SESSIONS = 2_000
IDLE_SECONDS = 600.0
"""A map nobody read for this long is forgotten."""
MAX_AHEAD = 256
"""At most this many changes wait for a missing one (or for a load) before the map is dropped."""
LOADED_RENDERINGS = 64
"""Renderings of maps loaded but not kept, shared by the readers of one load."""
SETTLE_SECONDS = 2.0
"""After a session changed, how long its reads are loaded and not kept: booking_svc drops its
own copy of the session's seating on the same event, maybe a moment later than this gateway."""

SEAT_MAP_READS = Counter(
    "seat_map_reads_total",
    "Seat-map reads answered by the gateway: from memory, loaded from booking_svc, or 304.",
    ["answer"],
)

_SEAT = TypeAdapter(SeatStateOut)


class RenderedSeatMap:
    """A seat map's JSON body at a version, and its strong entity tag (version and content);
    its gzip encoding made once, when first asked for."""

    __slots__ = ("_gzipped", "body", "etag", "version")

    def __init__(self, version: int, body: bytes, etag: str) -> None:
        self.version = version
        self.body = body
        self.etag = etag
        self._gzipped: tuple[int, bytes] | None = None

    @property
    def gzip_etag(self) -> str:
        """The tag of the gzip-encoded body (a strong tag names one encoding)."""
        return f'{self.etag[:-1]}-gz"'

    def gzipped(self, level: int) -> bytes:
        if self._gzipped is None or self._gzipped[0] != level:
            self._gzipped = (level, gzip.compress(self.body, level, mtime=0))
        return self._gzipped[1]


def seat_json(seat: dict[str, Any]) -> bytes:
    """One seat as GET /api/sessions/{id}/seats answers it (its response model's JSON)."""
    return _SEAT.dump_json(_SEAT.validate_python(seat))


def rendered(version: int, seats: Iterable[bytes]) -> RenderedSeatMap:
    body = b"[%s]" % b",".join(seats)
    digest = hashlib.blake2b(body, digest_size=6).hexdigest()
    return RenderedSeatMap(version, body, f'"{version}-{digest}"')


def render(snapshot: Snapshot) -> RenderedSeatMap:
    return rendered(snapshot.version, (seat_json(seat) for seat in snapshot.seats))


class _Kept:
    """One session's map: its seats at `version` (-1: none yet, or dropped) and the changes
    that came ahead of a missing one."""

    __slots__ = ("ahead", "gap_since", "json", "last_read", "rendered", "seats", "version")

    def __init__(self, now: float) -> None:
        self.version = -1
        self.seats: dict[int, dict[str, Any]] = {}
        self.json: dict[int, bytes] = {}
        """Each seat's JSON, while no change touched it since it was rendered."""
        self.rendered: RenderedSeatMap | None = None
        self.ahead: dict[int, Change] = {}
        self.gap_since: float | None = None
        self.last_read = now

    def install(self, snapshot: Snapshot) -> None:
        self.version = snapshot.version
        self.seats = {seat["seat_id"]: dict(seat) for seat in snapshot.seats}
        self.json = {}
        self.rendered = None
        self.ahead = {v: c for v, c in self.ahead.items() if v > snapshot.version}
        self.gap_since = None

    def drop(self) -> None:
        self.version = -1
        self.seats = {}
        self.json = {}
        self.rendered = None
        self.gap_since = None

    def take(self, change: Change) -> None:
        if change.version > self.version:
            self.ahead[change.version] = change
        if len(self.ahead) > MAX_AHEAD:
            self.ahead.clear()
            self.drop()

    def catch_up(self, now: float, grace: float) -> None:
        """Applies the changes that follow in order; drops the map after a gap of `grace`."""
        if self.version < 0:
            return
        progressed = False
        while (change := self.ahead.pop(self.version + 1, None)) is not None:
            for seat_id in change.seat_ids:
                if (seat := self.seats.get(seat_id)) is not None:
                    seat["status"] = change.status
                    seat["held_until"] = change.held_until
                    self.json.pop(seat_id, None)
            self.version = change.version
            progressed = True
        if not self.ahead:
            self.gap_since = None
        elif progressed or self.gap_since is None:
            self.gap_since = now
        elif now - self.gap_since >= grace:
            self.drop()

    def usable(self, min_version: int) -> bool:
        return self.version >= 0 and self.version >= min_version

    def rendering(self) -> RenderedSeatMap:
        if self.rendered is None or self.rendered.version != self.version:
            self.rendered = rendered(self.version, map(self._seat_json, self.seats.values()))
        return self.rendered

    def _seat_json(self, seat: dict[str, Any]) -> bytes:
        seat_id: int = seat["seat_id"]
        if (text := self.json.get(seat_id)) is None:
            text = self.json[seat_id] = seat_json(seat)
        return text


@dataclass(frozen=True, slots=True)
class SeatMapRead:
    seat_map: RenderedSeatMap
    loaded: bool
    """True when booking_svc was asked (nothing kept, too old for the reader, or not live)."""


class SeatMapStore:
    """Versioned seat maps of up to `max_sessions` sessions read within `idle_seconds`."""

    def __init__(
        self,
        snapshots: Snapshots,
        live: asyncio.Event,
        *,
        max_sessions: int = MAX_SESSIONS,
        idle_seconds: float = IDLE_SECONDS,
        reorder_grace: float = REORDER_GRACE_SECONDS,
        settle_seconds: float = SETTLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.snapshots = snapshots
        self.live = live
        """Set while the feed is positioned and consuming: only then are maps kept."""
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.reorder_grace = reorder_grace
        self.settle_seconds = settle_seconds
        self.clock = clock
        self._kept: OrderedDict[int, _Kept] = OrderedDict()
        self._changed_at: dict[int, float] = {}
        self._loaded: dict[int, tuple[Snapshot, RenderedSeatMap]] = {}

    def keeps(self, session_id: int) -> bool:
        """Whether the feed's changes of the session are wanted here."""
        return session_id in self._kept

    def __len__(self) -> int:
        return len(self._kept)

    async def read(self, session_id: int, min_version: int = 0) -> SeatMapRead:
        """The session's map at `min_version` or later when booking_svc has it: the kept one
        when it is that new, else a fresh load (kept for the next reads)."""
        now = self.clock()
        self._forget_idle(now)
        kept = self._kept_for_reading(session_id, now)
        if kept is not None and (rendering := self._current(kept, now, min_version)) is not None:
            return SeatMapRead(rendering, loaded=False)
        try:
            snapshot = await self.snapshots.get(session_id)
        except BaseException:
            if kept is not None and kept.version < 0 and self._kept.get(session_id) is kept:
                del self._kept[session_id]  # an unknown session takes no place
            raise
        if kept is None or self._kept.get(session_id) is not kept or self._settling(session_id):
            return SeatMapRead(self._render_loaded(snapshot), loaded=True)
        if kept.version < snapshot.version:
            kept.install(snapshot)
            kept.catch_up(self.clock(), self.reorder_grace)
        if kept.usable(0):
            return SeatMapRead(kept.rendering(), loaded=True)
        return SeatMapRead(self._render_loaded(snapshot), loaded=True)

    def read_kept(self, session_id: int, min_version: int = 0) -> RenderedSeatMap | None:
        """The kept map when it is at `min_version` or later, without waiting; None when only
        `read` can answer (nothing kept yet, or too old for the reader)."""
        if session_id not in self._kept:
            return None
        now = self.clock()
        self._forget_idle(now)
        kept = self._kept_for_reading(session_id, now)
        return None if kept is None else self._current(kept, now, min_version)

    def _current(self, kept: _Kept, now: float, min_version: int) -> RenderedSeatMap | None:
        kept.catch_up(now, self.reorder_grace)
        return kept.rendering() if kept.usable(min_version) else None

    def apply(self, changes: Iterable[Change]) -> None:
        """Follows the feed: `changes` in version order per session (as the consumer sorts them)."""
        now = self.clock()
        touched: dict[int, _Kept] = {}
        for change in changes:
            kept = self._kept.get(change.session_id)
            if kept is not None:
                kept.take(change)
                touched[change.session_id] = kept
        for kept in touched.values():
            kept.catch_up(now, self.reorder_grace)
        self._forget_idle(now)

    def session_changed(self, session_ids: Iterable[int]) -> None:
        """Drops the sessions' maps: their prices, seats or status changed."""
        now = self.clock()
        self._changed_at = {
            s: at for s, at in self._changed_at.items() if now - at < self.settle_seconds
        }
        for session_id in session_ids:
            self._changed_at[session_id] = now
            self._kept.pop(session_id, None)

    def forget_all(self) -> None:
        """Drops every map: the next read of each loads it (a feed restart, a catalogue change)."""
        self._kept.clear()

    def forget_on_schedule_write(self, namespace: str) -> None:
        """Listens to the catalogue cache: a write to sessions (prices, layout, times), told to
        every replica before it is answered, drops every map sooner than its Kafka event does."""
        if namespace == "sessions":
            self.forget_all()

    def _kept_for_reading(self, session_id: int, now: float) -> _Kept | None:
        """The session's entry, made (so the feed's changes buffer during its load) when the
        feed is live; None when it is not, as nothing can be kept current then."""
        if not self.live.is_set():
            return None
        kept = self._kept.get(session_id)
        if kept is None:
            kept = self._kept[session_id] = _Kept(now)
            while len(self._kept) > self.max_sessions:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(session_id)
        kept.last_read = now
        return kept

    def _render_loaded(self, snapshot: Snapshot) -> RenderedSeatMap:
        """One rendering of a load that is not kept, for every reader who waited for it."""
        cached = self._loaded.pop(snapshot.session_id, None)
        rendering = cached[1] if cached is not None and cached[0] is snapshot else render(snapshot)
        self._loaded[snapshot.session_id] = (snapshot, rendering)
        if len(self._loaded) > LOADED_RENDERINGS:
            del self._loaded[next(iter(self._loaded))]
        return rendering

    def _settling(self, session_id: int) -> bool:
        changed_at = self._changed_at.get(session_id)
        return changed_at is not None and self.clock() - changed_at < self.settle_seconds

    def _forget_idle(self, now: float) -> None:
        while self._kept:
            session_id, oldest = next(iter(self._kept.items()))
            if now - oldest.last_read < self.idle_seconds:
                return
            del self._kept[session_id]
