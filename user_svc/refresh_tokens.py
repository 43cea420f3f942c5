"""Refresh tokens: opaque random strings, stored only as SHA-256 hashes, in families.

A family is one sign-in. Refreshing spends a token and issues the next of its family;
a spent token shown again means it was copied, so its whole family is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from user_svc.models import RefreshToken

TOKEN_BYTES = 32


def new_refresh_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> bytes:
    """What is stored of a token: its SHA-256 digest (the token itself is never kept)."""
    return hashlib.sha256(token.encode()).digest()


class RefreshTokenRepository:
    """SQL for refresh tokens, inside the caller's transaction; tokens are named by their hash."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def issue(self, user_id: int, family_id: uuid.UUID, ttl: timedelta) -> str:
        """A new token of the family, valid for `ttl`."""
        token = new_refresh_token()
        await self.session.execute(
            insert(RefreshToken).values(
                user_id=user_id,
                family_id=family_id,
                token_hash=token_hash(token),
                expires_at=datetime.now(UTC) + ttl,
            )
        )
        return token

    async def owner(self, digest: bytes) -> int | None:
        """The user a token belongs to, whatever its state; None for an unknown token."""
        return await self.session.scalar(
            select(RefreshToken.user_id).where(RefreshToken.token_hash == digest)
        )

    async def spend(self, digest: bytes) -> uuid.UUID | None:
        """Marks a live token used and returns its family; None if it is not live.

        One conditional UPDATE: of concurrent calls with one token, exactly one gets the row.
        """
        return await self.session.scalar(
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == digest,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > func.now(),
            )
            .values(used_at=func.now())
            .returning(RefreshToken.family_id)
        )

    async def revoke_family_if_spent(self, digest: bytes) -> None:
        """Revokes the family of a token that was already spent (its reuse)."""
        spent = select(RefreshToken.family_id).where(
            RefreshToken.token_hash == digest, RefreshToken.used_at.is_not(None)
        )
        await self._revoke(RefreshToken.family_id == spent.scalar_subquery())

    async def revoke_family(self, digest: bytes) -> None:
        """Revokes the family of a token, whatever the token's state (a logout)."""
        family = select(RefreshToken.family_id).where(RefreshToken.token_hash == digest)
        await self._revoke(RefreshToken.family_id == family.scalar_subquery())

    async def revoke_all(self, user_id: int) -> None:
        await self._revoke(RefreshToken.user_id == user_id)

    async def purge_expired(self) -> int:
        """Deletes expired tokens (refused anyway); returns how many."""
        deleted = await self.session.execute(
            delete(RefreshToken)
            .where(RefreshToken.expires_at <= func.now())
            .returning(RefreshToken.id)
        )
        return len(deleted.all())

    async def _revoke(self, which: ColumnElement[bool]) -> None:
        """Revokes the live tokens `which` picks, locking them in id order (no deadlocks)."""
        live = RefreshToken.revoked_at.is_(None)
        locked = (
            select(RefreshToken.id).where(which, live).order_by(RefreshToken.id).with_for_update()
        )
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id.in_(locked.scalar_subquery()), live)
            .values(revoked_at=func.now())
        )
