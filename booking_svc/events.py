"""BookingEvent and TicketCheckedIn messages, written to the outbox in the transaction of the
change they describe."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from booking_svc.convert import booked_seat_pb, ticket_pb
from booking_svc.domain import Change
from booking_svc.models import outbox
from booking_svc.ticket_codes import TicketSigner
from booking_svc.ticket_rules import Ticket
from cinemapb.events.v1 import events_pb2
from svckit.outbox import OutboxEvent, add_events, add_events_and_commit
from svckit.protoconv import to_timestamp
from svckit.vocabulary import (
    BOOKING_SOURCE,
    BOOKING_STATUS,
    CANCEL_REASON,
    EVENT_TYPE_OF_TOPIC,
    EventType,
    Topic,
)


def booking_event(
    change: Change, event_id: uuid.UUID, time: datetime, signer: TicketSigner
) -> events_pb2.BookingEvent:
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
        tickets=[ticket_pb(ticket, signer) for ticket in change.tickets],
    )


def ticket_checked_in(ticket: Ticket, event_id: uuid.UUID) -> events_pb2.TicketCheckedIn:
    assert ticket.checked_in_at is not None
    assert ticket.checked_in_by is not None
    return events_pb2.TicketCheckedIn(
        event_id=str(event_id),
        ticket_id=str(ticket.id),
        booking_id=str(ticket.booking_id),
        user_id=ticket.user_id,
        session_id=ticket.session_id,
        seat=booked_seat_pb(ticket.seat),
        checked_in_by=ticket.checked_in_by,
        time=to_timestamp(ticket.checked_in_at),
    )


class BookingEvents:
    """Queues booking and ticket events on their (prefixed) topics, keyed by session id; a
    confirmation carries its tickets' codes, signed by `signer`."""

    def __init__(self, topic: Callable[[str], str], signer: TicketSigner) -> None:
        self.topic = topic
        self.signer = signer

    async def add(
        self,
        db: AsyncConnection,
        topic: Topic,
        changes: Sequence[Change],
        event_type: EventType | None = None,
    ) -> None:
        """One event per change, in the given order, in one INSERT with one relay wake-up;
        typed as the topic's own event type unless `event_type` says otherwise."""
        await add_events(db, outbox, self._queued(topic, changes, event_type))

    async def add_and_commit(
        self, db: AsyncConnection, topic: Topic, changes: Sequence[Change]
    ) -> None:
        """As `add`, then commits the caller's transaction in the same round trip (the last
        thing it does): its seat-map version row is free for the session's next change
        sooner."""
        await add_events_and_commit(db, outbox, self._queued(topic, changes, None))

    def _queued(
        self, topic: Topic, changes: Sequence[Change], event_type: EventType | None
    ) -> list[OutboxEvent]:
        topic_name = self.topic(topic)
        type_name = str(event_type or EVENT_TYPE_OF_TOPIC[topic])
        queued = []
        for change in changes:
            event_id = uuid.uuid4()
            message = booking_event(change, event_id, change.booking.updated_at, self.signer)
            queued.append(
                OutboxEvent(
                    topic=topic_name,
                    key=str(change.booking.session_id),
                    event_type=type_name,
                    payload=message.SerializeToString(),
                    event_id=event_id,
                )
            )
        return queued

    async def checked_in(self, db: AsyncConnection, ticket: Ticket) -> None:
        """The ticket.checked_in event of a ticket just checked in, in the caller's transaction."""
        event_id = uuid.uuid4()
        event = OutboxEvent(
            topic=self.topic(Topic.TICKET_CHECKED_IN),
            key=str(ticket.session_id),
            event_type=str(EVENT_TYPE_OF_TOPIC[Topic.TICKET_CHECKED_IN]),
            payload=ticket_checked_in(ticket, event_id).SerializeToString(),
            event_id=event_id,
        )
        await add_events(db, outbox, [event])
