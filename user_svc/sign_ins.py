"""Signing in and staying signed in: login, refresh-token rotation, logout, token versions."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from svckit.db import reading
from svckit.errors import Unauthenticated
from svckit.tokens import issue_access_token
from user_svc.domain import Account, TokenHolder
from user_svc.passwords import PasswordHasher
from user_svc.refresh_tokens import RefreshTokenRepository, token_hash
from user_svc.repository import UserRepository

log = logging.getLogger(__name__)

DEFAULT_REFRESH_TTL = timedelta(days=14)
PURGE_INTERVAL = timedelta(hours=1)


class TokenSettings(Protocol):
    """How access tokens are signed: what SignIns reads of the settings."""

    @property
    def jwt_secret(self) -> SecretStr: ...
    @property
    def jwt_algorithm(self) -> str: ...
    @property
    def jwt_ttl_seconds(self) -> int: ...


@dataclass(frozen=True)
class SignedIn:
    """The result of a login or a refresh: a fresh access token and the next refresh token."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    account: Account


def _wrong_credentials() -> Unauthenticated:
    return Unauthenticated("wrong email or password", code="invalid_credentials")


def _invalid_refresh_token() -> Unauthenticated:
    return Unauthenticated(
        "the refresh token is unknown, expired, revoked or already used",
        code="invalid_refresh_token",
    )


class SignIns:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hasher: PasswordHasher,
        settings: TokenSettings,
        *,
        refresh_ttl: timedelta = DEFAULT_REFRESH_TTL,
    ) -> None:
        self.sessions = sessions
        self.hasher = hasher
        self.settings = settings
        self.refresh_ttl = refresh_ttl

    async def login(self, *, email: str, password: str) -> SignedIn:
        """Tokens of a new sign-in; an unknown email costs the same bcrypt work as a wrong password.

        Should the password or role change between the check and the issue, the login fails
        rather than outlive the change.
        """
        async with reading(self.sessions) as session:
            found = await UserRepository(session).credentials(email.strip())
        if found is None:
            await self.hasher.spend_verify_time(password)
        if found is None or not await self.hasher.verify(password, found[1]):
            raise _wrong_credentials()
        checked = found[0]
        async with self.sessions.begin() as session:
            holder = await UserRepository(session).token_holder(checked.account.id)
            if holder is None or holder.version != checked.version:
                raise _wrong_credentials()
            return await self._signed_in(session, holder, uuid.uuid4())

    async def refresh(self, refresh_token: str) -> SignedIn:
        """Spends a live refresh token for the next one of its family and a fresh access token.

        A spent token shown again revokes its family (committed even though the call fails).
        """
        digest = token_hash(refresh_token)
        async with self.sessions.begin() as session:
            signed_in = await self._rotate(session, digest)
        if signed_in is None:
            raise _invalid_refresh_token()
        return signed_in

    async def _rotate(self, session: AsyncSession, digest: bytes) -> SignedIn | None:
        tokens = RefreshTokenRepository(session)
        owner = await tokens.owner(digest)
        holder = None if owner is None else await UserRepository(session).token_holder(owner)
        if holder is None:
            return None
        family = await tokens.spend(digest)
        if family is None:
            await tokens.revoke_family_if_spent(digest)
            return None
        return await self._signed_in(session, holder, family)

    async def logout(self, refresh_token: str) -> None:
        """Revokes the sign-in (the family) of the token; an unknown token changes nothing."""
        async with self.sessions.begin() as session:
            await RefreshTokenRepository(session).revoke_family(token_hash(refresh_token))

    async def token_version(self, user_id: int) -> int | None:
        """The user's current token version; None when the user does not exist (any more)."""
        async with reading(self.sessions) as session:
            return await UserRepository(session).token_version(user_id)

    async def keep_purging(self, every: timedelta = PURGE_INTERVAL) -> None:
        """Deletes expired refresh tokens now and then, so the table holds live sign-ins only."""
        while True:
            async with self.sessions.begin() as session:
                purged = await RefreshTokenRepository(session).purge_expired()
            if purged:
                log.info("purged %d expired refresh tokens", purged)
            await asyncio.sleep(every.total_seconds())

    async def _signed_in(
        self, session: AsyncSession, holder: TokenHolder, family: uuid.UUID
    ) -> SignedIn:
        """An access token for the holder as it is now, and the family's next refresh token."""
        refresh_token = await RefreshTokenRepository(session).issue(
            holder.account.id, family, self.refresh_ttl
        )
        ttl = self.settings.jwt_ttl_seconds
        access_token = issue_access_token(
            holder.caller,
            secret=self.settings.jwt_secret.get_secret_value(),
            algorithm=self.settings.jwt_algorithm,
            ttl_seconds=ttl,
            version=holder.version,
        )
        refresh_expires_in = int(self.refresh_ttl.total_seconds())
        return SignedIn(access_token, ttl, refresh_token, refresh_expires_in, holder.account)
