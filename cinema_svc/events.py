"""SessionChanged events, written to the outbox in the transaction of the change."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cinema_svc.convert import session_pb
from cinema_svc.models import Session, outbox
from cinemapb.events.v1 import events_pb2
from svckit.outbox import add_event
from svckit.protoconv import to_timestamp
from svckit.vocabulary import EventType


class SessionEvents:
    """Queues a SessionChanged per changed session on the (prefixed) session topic."""

    def __init__(self, topic: str) -> None:
        self.topic = topic

    async def changed(self, db: AsyncSession, sessions: Iterable[Session], now: datetime) -> None:
        for session in sessions:
            event_id = uuid.uuid4()
            message = events_pb2.SessionChanged(
                event_id=str(event_id), session=session_pb(session, now), time=to_timestamp(now)
            )
            await add_event(
                db,
                outbox,
                topic=self.topic,
                key=str(session.id),
                event_type=EventType.SESSION_CHANGED,
                payload=message.SerializeToString(),
                event_id=event_id,
            )
