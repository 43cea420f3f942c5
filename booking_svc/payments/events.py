"""PaymentEvent messages (payment.succeeded, payment.refunded), written to the outbox in the
transaction of the change they describe and keyed by session id like the booking events."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from booking_svc.domain import Change
from booking_svc.events import booking_event
from booking_svc.models import outbox
from booking_svc.payments.store import PaymentRecord
from booking_svc.ticket_codes import TicketSigner
from cinemapb.events.v1 import events_pb2
from svckit.outbox import OutboxEvent, add_events
from svckit.protoconv import to_timestamp
from svckit.vocabulary import EVENT_TYPE_OF_TOPIC, REFUND_REASON, RefundReason, Topic


class PaymentEvents:
    """Payment events; a success's booking carries its tickets' codes, signed by `signer`."""

    def __init__(self, topic: Callable[[str], str], signer: TicketSigner) -> None:
        self.topic = topic
        self.signer = signer

    async def add(
        self,
        db: AsyncConnection,
        topic: Topic,
        payment: PaymentRecord,
        change: Change,
        reason: RefundReason | None = None,
    ) -> None:
        event_id = uuid.uuid4()
        time = change.booking.updated_at
        message = events_pb2.PaymentEvent(
            event_id=str(event_id),
            payment_id=str(payment.id),
            provider=payment.provider,
            amount_cents=payment.amount_cents,
            currency=payment.currency,
            reason=REFUND_REASON.number(reason or ""),
            time=to_timestamp(time),
            booking=booking_event(change, event_id, time, self.signer),
        )
        event = OutboxEvent(
            topic=self.topic(topic),
            key=str(change.booking.session_id),
            event_type=str(EVENT_TYPE_OF_TOPIC[topic]),
            payload=message.SerializeToString(),
            event_id=event_id,
        )
        await add_events(db, outbox, [event])
