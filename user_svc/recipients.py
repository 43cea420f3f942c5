"""user_svc's side of the notifications' Recipients port: accounts and their browsers."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from svckit.db import reading
from user_svc.notifications import Recipient
from user_svc.repository import UserRepository


class AccountRecipients:
    """Recipients read from the accounts, each call in a transaction of its own."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def recipient(self, user_id: int) -> Recipient | None:
        async with reading(self.sessions) as session:
            return await UserRepository(session).recipient(user_id)

    async def forget_subscription(self, subscription_id: int) -> None:
        async with self.sessions.begin() as session:
            await UserRepository(session).delete_push_subscription_by_id(subscription_id)
