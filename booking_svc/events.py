"""BookingEvent messages, written to the outbox in the transaction of the change they describe."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from booking_svc.convert import BOOKING_STATUSES, booked_seat_pb
from booking_svc.domain import Booking, Reason
from booking_svc.models import outbox
from cinemapb.events.v1 import events_pb2
from svckit.outbox import OutboxEvent, add_event, add_events
from svckit.protoconv import to_timestamp


class EventType(StrEnum):
    """The contract's topic names, also used as the CloudEvents type."""

    CREATED = "booking.created"
    CONFIRMED = "booking.confirmed"
    CANCELLED = "booking.cancelled"


CANCEL_REASONS: dict[str, events_pb2.CancelReason.ValueType] = {
    Reason.BY_USER: events_pb2.CANCEL_REASON_CANCELLED_BY_USER,
    Reason.BY_ADMIN: events_pb2.CANCEL_REASON_CANCELLED_BY_ADMIN,
    Reason.EXPIRED: events_pb2.CANCEL_REASON_EXPIRED,
    Reason.SESSION_CANCELLED: events_pb2.CANCEL_REASON_SESSION_CANCELLED,
}


@dataclass(frozen=True)
class Change:
    """One booking change to announce, with the session's seat-map version after it."""

    booking: Booking
    seat_map_version: int


def booking_event(change: Change, event_id: uuid.UUID, time: datetime) -> events_pb2.BookingEvent:
    booking = change.booking
    return events_pb2.BookingEvent(
        event_id=str(event_id),
        booking_id=str(booking.id),
        user_id=booking.user_id,
        session_id=booking.session_id,
        seat_ids=[seat.seat_id for seat in booking.seats],
        status=BOOKING_STATUSES[booking.status],
        reason=CANCEL_REASONS.get(booking.reason, events_pb2.CANCEL_REASON_UNSPECIFIED),
        total_price_cents=booking.total_price_cents,
        time=to_timestamp(time),
        seat_map_version=change.seat_map_version,
        expires_at=to_timestamp(booking.expires_at),
        seats=[booked_seat_pb(seat) for seat in booking.seats],
    )


class BookingEvents:
    """Queues booking events on the (prefixed) booking topics, keyed by session id."""

    def __init__(self, topic: Callable[[str], str]) -> None:
        self.topic = topic

    async def add(self, db: AsyncSession, event_type: EventType, change: Change) -> None:
        event_id = uuid.uuid4()
        message = booking_event(change, event_id, change.booking.updated_at)
        await add_event(
            db,
            outbox,
            topic=self.topic(event_type),
            key=str(change.booking.session_id),
            event_type=event_type,
            payload=message.SerializeToString(),
            event_id=event_id,
        )

    async def add_many(
        self, db: AsyncSession, event_type: EventType, changes: Sequence[Change]
    ) -> None:
        """A batch in one INSERT (rows in the given order) and one wake-up of the relay."""
        if not changes:
            return
        queued = []
        for change in changes:
            event_id = uuid.uuid4()
            message = booking_event(change, event_id, change.booking.updated_at)
            queued.append(
                OutboxEvent(
                    topic=self.topic(event_type),
                    key=str(change.booking.session_id),
                    event_type=str(event_type),
                    payload=message.SerializeToString(),
                    event_id=event_id,
                )
            )
        await add_events(db, outbox, queued)
