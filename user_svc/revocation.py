"""What follows a change of a user's token version, in the change's own transaction: their
refresh tokens revoked and a user.changed event queued in the outbox for every gateway."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cinemapb.events.v1 import events_pb2
from svckit.outbox import add_event
from svckit.protoconv import to_timestamp
from svckit.vocabulary import ROLE, EventType
from user_svc.domain import TokenHolder
from user_svc.models import outbox
from user_svc.refresh_tokens import RefreshTokenRepository


class Revocation:
    """Revokes a user's sign-ins and tells the gateways, on the (prefixed) user.changed topic."""

    def __init__(self, topic: str) -> None:
        self.topic = topic

    async def __call__(
        self, session: AsyncSession, holder: TokenHolder, *, deleted: bool = False
    ) -> None:
        """`holder` at its new token version (for a deleted account: the version it would have)."""
        user_id = holder.account.id
        if not deleted:
            await RefreshTokenRepository(session).revoke_all(user_id)
        event_id = uuid.uuid4()
        message = events_pb2.UserChanged(
            event_id=str(event_id),
            user_id=user_id,
            token_version=holder.version,
            deleted=deleted,
            role=ROLE.number(holder.account.role),
            time=to_timestamp(datetime.now(UTC)),
        )
        await add_event(
            session,
            outbox,
            topic=self.topic,
            key=str(user_id),
            event_type=EventType.USER_CHANGED,
            payload=message.SerializeToString(),
            event_id=event_id,
        )
