"""The port to user accounts: all that notifications need to know about the people they tell.

user_svc provides it (user_svc.recipients); nothing else of user_svc is reached from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Subscription:
    """A browser that accepts web push, with the keys its messages are encrypted for."""

    id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    subscriptions: tuple[Subscription, ...] = ()


class Recipients(Protocol):
    async def recipient(self, user_id: int) -> Recipient | None:
        """The user's address, name and browsers; None when the user no longer exists."""

    async def forget_subscription(self, subscription_id: int) -> None:
        """Deletes a browser subscription the push service says is gone."""
