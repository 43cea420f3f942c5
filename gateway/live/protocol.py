"""The live feed's messages (JSON text frames) and its close codes.

A watcher first gets a `snapshot` of the seat map, then a `change` for every booking event of
the session. Both carry the seat map's version; a client applies a change only when its
version is greater than the one it has, and takes any later snapshot as the new truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from cinemapb.booking.v1 import booking_pb2
from cinemapb.events.v1 import events_pb2
from gateway.convert import iso_time, seat_state
from svckit.vocabulary import CANCEL_REASON, SEAT_STATUS_AFTER, Topic


class CloseCode(IntEnum):
    """Why the server ends a feed (WebSocket close codes)."""

    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    SESSION_NOT_FOUND = 4404
    INVALID_SESSION_ID = 4422


@dataclass(frozen=True, slots=True)
class Change:
    """One seat change of a session, encoded once for every watcher."""

    session_id: int
    version: int
    text: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole seat map of a session at a version, encoded once for every watcher."""

    session_id: int
    version: int
    text: str


def _encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


def snapshot(seat_map: booking_pb2.SeatMap) -> Snapshot:
    message = {
        "type": "snapshot",
        "session_id": seat_map.session_id,
        "version": seat_map.version,
        "seats": [seat_state(seat) for seat in seat_map.seats],
    }
    return Snapshot(seat_map.session_id, seat_map.version, _encode(message))


def change(topic: Topic, event: events_pb2.BookingEvent) -> Change:
    """The public face of a booking event: which seats became what, and until when held seats
    stay held (no user, no booking). A hold's extension is a change to `held` again, with the
    new `held_until`."""
    status = SEAT_STATUS_AFTER[topic]
    held = status == "held" and event.HasField("expires_at")
    message = {
        "type": "change",
        "session_id": event.session_id,
        "version": event.seat_map_version,
        "event": str(topic),
        "status": status,
        "seat_ids": list(event.seat_ids),
        "reason": CANCEL_REASON.label(event.reason),
        "held_until": iso_time(event.expires_at) if held else None,
    }
    return Change(event.session_id, event.seat_map_version, _encode(message))
