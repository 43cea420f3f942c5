"""The wire vocabulary: Kafka topics, event types, and every enum <-> JSON label.

The labels are derived from the generated protobuf enums (SEAT_TYPE_VIP -> "vip"), so a value
added to a .proto file is known everywhere at once. The `Literal` aliases below exist for
pydantic and mypy, which need the labels spelled out; a unit test holds them equal to the
protobuf enums, so they cannot drift.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, Literal, Protocol, TypeVar

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.events.v1 import events_pb2
from cinemapb.movie.v1 import movie_pb2
from cinemapb.user.v1 import user_pb2

V = TypeVar("V", bound=int)


class Topic(StrEnum):
    """The Kafka topics of the contract (before any test prefix)."""

    BOOKING_CREATED = "booking.created"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_CANCELLED = "booking.cancelled"
    SESSION_CHANGED = "cinema.session-changed"
    USER_CHANGED = "user.changed"


class EventType(StrEnum):
    """The CloudEvents `ce_type` of each kind of record."""

    BOOKING_CREATED = "booking.created"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_CANCELLED = "booking.cancelled"
    SESSION_CHANGED = "cinema.session.changed"
    USER_CHANGED = "user.changed"


BOOKING_TOPICS = (Topic.BOOKING_CREATED, Topic.BOOKING_CONFIRMED, Topic.BOOKING_CANCELLED)
"""The booking topics, in the order a booking passes through them."""
TOPIC_PARTITIONS = dict.fromkeys(Topic, 6)
"""Partitions each topic is created with: records are keyed by session id."""
EVENT_TYPE_OF_TOPIC = {
    Topic.BOOKING_CREATED: EventType.BOOKING_CREATED,
    Topic.BOOKING_CONFIRMED: EventType.BOOKING_CONFIRMED,
    Topic.BOOKING_CANCELLED: EventType.BOOKING_CANCELLED,
    Topic.SESSION_CHANGED: EventType.SESSION_CHANGED,
    Topic.USER_CHANGED: EventType.USER_CHANGED,
}


class ProtoEnum(Protocol[V]):
    """What protobuf's generated enum wrappers offer (e.g. cinema_pb2.SeatType)."""

    def Name(self, number: V) -> str: ...
    def Value(self, name: str) -> V: ...
    def keys(self) -> list[str]: ...


class Labels(Generic[V]):
    """One protobuf enum as JSON labels: SEAT_TYPE_VIP <-> "vip"."""

    def __init__(self, enum: ProtoEnum[V], *, unspecified: str | None = None) -> None:
        """`unspecified`: the label an unset (0) value reads as; None makes it an error."""
        keys = enum.keys()
        self._prefix = keys[0].removesuffix("UNSPECIFIED")
        self._enum = enum
        self.unspecified = unspecified
        self.labels: tuple[str, ...] = tuple(self._label_of(key) for key in keys[1:])
        self._by_number: dict[int, str] = {enum.Value(key): self._label_of(key) for key in keys[1:]}
        self._by_label = {self._label_of(key): enum.Value(key) for key in keys[1:]}

    def _label_of(self, key: str) -> str:
        return key[len(self._prefix) :].lower()

    def label(self, number: int) -> str:
        """The label of a number; raises ValueError for an unknown or (unless allowed) unset one."""
        label = self._by_number.get(number)
        if label is not None:
            return label
        if number == 0 and self.unspecified is not None:
            return self.unspecified
        raise ValueError(f"unknown {self._prefix.lower()}value {number}")

    def number(self, label: str) -> V:
        """The number of a label (0 for the unspecified one); ValueError for an unknown one."""
        try:
            return self._by_label[label]
        except KeyError:
            if label == self.unspecified:
                return self._enum.Value(self._prefix + "UNSPECIFIED")
            raise ValueError(f"unknown {self._prefix.lower()}value {label!r}") from None

    def __contains__(self, label: object) -> bool:
        return label in self._by_label


SEAT_TYPE = Labels(cinema_pb2.SeatType, unspecified="standard")
SESSION_STATUS = Labels(cinema_pb2.SessionStatus, unspecified="scheduled")
BOOKING_STATUS = Labels(booking_pb2.BookingStatus)
PAYMENT_STATUS = Labels(booking_pb2.PaymentStatus)
SEAT_STATUS = Labels(booking_pb2.SeatStatus, unspecified="free")
CANCEL_REASON = Labels(events_pb2.CancelReason, unspecified="")
MOVIE_STATUS = Labels(movie_pb2.MovieStatus)
ROLE = Labels(user_pb2.Role)
SALES_GROUPING = Labels(booking_pb2.SalesGrouping)

SeatType = Literal["standard", "vip", "wheelchair", "companion"]
SessionStatus = Literal["scheduled", "ongoing", "finished", "cancelled"]
BookingStatus = Literal["pending", "confirmed", "finished", "expired", "cancelled"]
PaymentStatus = Literal["pending", "paid", "refunded", "void"]
SeatStatus = Literal["free", "held", "booked"]
CancelReason = Literal["cancelled_by_user", "cancelled_by_admin", "expired", "session_cancelled"]
MovieStatus = Literal["coming_soon", "now_showing", "ended"]
Role = Literal["user", "admin", "staff"]
SalesGrouping = Literal["day", "movie", "session"]

SEAT_STATUS_AFTER: dict[Topic, SeatStatus] = {
    Topic.BOOKING_CREATED: "held",
    Topic.BOOKING_CONFIRMED: "booked",
    Topic.BOOKING_CANCELLED: "free",
}
"""What a booking event's seats become on the seat map."""
