"""The live feed's messages (JSON text frames) and its close codes.

A watcher first gets a `snapshot` of the seat map, then a `change` for every booking event of
the session. Both carry the seat map's version; a client applies a change only when its
version is greater than the one it has, and takes any later snapshot as the new truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from cinemapb.booking.v1 import booking_pb2
from cinemapb.events.v1 import events_pb2
from gateway.convert import iso_time, seat_state
from gateway.schemas import SeatStateOut
from svckit.vocabulary import (
    BOOKING_TOPICS,
    CANCEL_REASON,
    SEAT_STATUS_AFTER,
    CancelReason,
    SeatStatus,
    Topic,
)


class CloseCode(IntEnum):
    """Why the server ends a feed (WebSocket close codes)."""

    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    SESSION_NOT_FOUND = 4404
    INVALID_SESSION_ID = 4422


@dataclass(frozen=True, slots=True)
class Change:
    """One seat change of a session, encoded once for every watcher; what it does to the seats
    (`status` and `held_until` of `seat_ids`) kept for the gateway's seat-map store."""

    session_id: int
    version: int
    text: str
    status: SeatStatus = "free"
    seat_ids: tuple[int, ...] = ()
    held_until: str | None = None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole seat map of a session at a version, encoded once for every watcher; `seats`
    as GET /api/sessions/{id}/seats answers them (gateway/convert.py `seat_state`)."""

    session_id: int
    version: int
    text: str
    seats: tuple[dict[str, Any], ...] = ()


BookingTopic = Annotated[
    Topic,
    WithJsonSchema({"type": "string", "enum": [str(topic) for topic in BOOKING_TOPICS]}),
]
"""One of the booking topics (svckit/vocabulary.py)."""


class SnapshotMessage(BaseModel):
    """The whole seat map of a session: sent first, and again whenever the server saw a gap."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    type: Literal["snapshot"] = "snapshot"
    session_id: int
    version: int = Field(description="the seat map's version: later messages carry greater ones")
    seats: list[SeatStateOut]


class ChangeMessage(BaseModel):
    """Seats of a session that became free, held or booked, by one booking event."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    type: Literal["change"] = "change"
    session_id: int
    version: int = Field(description="apply only when greater than the version you have")
    event: BookingTopic = Field(description="the booking topic the change came from")
    status: SeatStatus = Field(description="what the seats are now")
    seat_ids: list[int]
    reason: CancelReason | Literal[""] = Field(
        description="why a booking.cancelled freed the seats; empty for the other events"
    )
    held_until: str | None = Field(
        description="when held seats free unless paid (ISO 8601 UTC); null for the others"
    )


def snapshot(seat_map: booking_pb2.SeatMap) -> Snapshot:
    seats = tuple(seat_state(seat) for seat in seat_map.seats)
    message = SnapshotMessage(
        session_id=seat_map.session_id,
        version=seat_map.version,
        seats=[SeatStateOut(**seat) for seat in seats],
    )
    return Snapshot(seat_map.session_id, seat_map.version, message.model_dump_json(), seats)


def change(topic: Topic, event: events_pb2.BookingEvent) -> Change:
    """The public face of a booking event: which seats became what, and until when held seats
    stay held (no user, no booking). A hold's extension is a change to `held` again, with the
    new `held_until`."""
    status = SEAT_STATUS_AFTER[topic]
    held = status == "held" and event.HasField("expires_at")
    message = ChangeMessage(
        session_id=event.session_id,
        version=event.seat_map_version,
        event=topic,
        status=status,
        seat_ids=list(event.seat_ids),
        reason=CANCEL_REASON.label(event.reason),
        held_until=iso_time(event.expires_at) if held else None,
    )
    text = message.model_dump_json()
    seat_ids = tuple(message.seat_ids)
    return Change(message.session_id, message.version, text, status, seat_ids, message.held_until)
