"""BookingEvent messages, written to the outbox in the transaction of the change they describe."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from booking_svc.convert import booked_seat_pb
from booking_svc.domain import Change
from booking_svc.models import outbox
from cinemapb.events.v1 import events_pb2
from svckit.outbox import OutboxEvent, add_events
from svckit.protoconv import to_timestamp
from svckit.vocabulary import (
    BOOKING_SOURCE,
    BOOKING_STATUS,
    CANCEL_REASON,
    EVENT_TYPE_OF_TOPIC,
    EventType,
    Topic,
)


def booking_event(change: Change, event_id: uuid.UUID, time: datetime) -> events_pb2.BookingEvent:
    booking = change.booking
    return events_pb2.BookingEvent(
        event_id=str(event_id),
        booking_id=str(booking.id),
        user_id=booking.user_id,
        session_id=booking.session_id,
        seat_ids=[seat.seat_id for seat in booking.seats],
        status=BOOKING_STATUS.number(booking.status),
        reason=CANCEL_REASON.number(booking.reason),
        total_price_cents=booking.total_price_cents,
        time=to_timestamp(time),
        seat_map_version=change.seat_map_version,
        expires_at=to_timestamp(booking.expires_at),
        seats=[booked_seat_pb(seat) for seat in booking.seats],
        source=BOOKING_SOURCE.number(booking.source),
        extensions=booking.extensions,
    )


class BookingEvents:
    """Queues booking events on the (prefixed) booking topics, keyed by session id."""

    def __init__(self, topic: Callable[[str], str]) -> None:
        self.topic = topic

    async def add(
        self,
        db: AsyncSession,
        topic: Topic,
        changes: Sequence[Change],
        event_type: EventType | None = None,
    ) -> None:
        """One event per change, in the given order, in one INSERT with one relay wake-up;
        typed as the topic's own event type unless `event_type` says otherwise."""
        queued = []
        for change in changes:
            event_id = uuid.uuid4()
            message = booking_event(change, event_id, change.booking.updated_at)
            queued.append(
                OutboxEvent(
                    topic=self.topic(topic),
                    key=str(change.booking.session_id),
                    event_type=str(event_type or EVENT_TYPE_OF_TOPIC[topic]),
                    payload=message.SerializeToString(),
                    event_id=event_id,
                )
            )
        await add_events(db, outbox, queued)
