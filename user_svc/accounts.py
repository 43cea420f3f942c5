"""The use cases of user_svc: check the rules, hash off the event loop, run one transaction."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from svckit.db import reading
from svckit.errors import Conflict, InvalidArgument, NotFound
from svckit.identity import Caller, require_admin, signed_in
from user_svc.domain import (
    Account,
    AccountChanges,
    PushSubscriptionRecord,
    TokenHolder,
    check_role_change,
    require_self_or_admin,
    valid_email,
    valid_name,
    valid_push_endpoint,
)
from user_svc.passwords import PasswordHasher, check_password_policy
from user_svc.repository import UserRepository
from user_svc.revocation import Revocation

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100
MAX_KEY_LENGTH = 256


def _user_not_found(user_id: int) -> NotFound:
    return NotFound(f"user {user_id} not found", code="user_not_found")


class Accounts:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        hasher: PasswordHasher,
        *,
        user_changed_topic: str,
        vapid_public_key: str = "",
        allow_insecure_push_endpoints: bool = False,
    ) -> None:
        """`user_changed_topic`: the (prefixed) user.changed topic; `vapid_public_key` empty:
        web push is not set up in this process."""
        self.sessions = sessions
        self.hasher = hasher
        self._vapid_public_key = vapid_public_key
        self.allow_insecure_push_endpoints = allow_insecure_push_endpoints
        self.revocation = Revocation(user_changed_topic)

    async def _new_account(self, email: str, password: str, name: str) -> tuple[str, str, str]:
        """The email and name checked and trimmed, and the hash of a password that is allowed."""
        email, name = valid_email(email), valid_name(name)
        check_password_policy(password)
        return email, name, await self.hasher.hash(password)

    async def register(self, *, email: str, password: str, name: str) -> Account:
        email, name, password_hash = await self._new_account(email, password, name)
        async with self.sessions.begin() as session:
            account = await UserRepository(session).add(
                email=email, name=name, password_hash=password_hash
            )
        log.info("user %d registered", account.id)
        return account

    async def get(self, caller: Caller | None, user_id: int) -> Account:
        require_self_or_admin(caller, user_id)
        async with reading(self.sessions) as session:
            account = await UserRepository(session).get(user_id)
        if account is None:
            raise _user_not_found(user_id)
        return account

    async def page(
        self, caller: Caller | None, *, page: int, page_size: int
    ) -> tuple[list[Account], int]:
        require_admin(caller)
        if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidArgument(f"page must be >= 1 and page_size 1 to {MAX_PAGE_SIZE}")
        async with reading(self.sessions) as session:
            return await UserRepository(session).page(
                offset=(page - 1) * page_size, limit=page_size
            )

    async def update(self, caller: Caller | None, user_id: int, changes: AccountChanges) -> Account:
        """Users change their own email, name and password; only admins change roles.

        A new password or role revokes the account's tokens in the same transaction.
        """
        caller = require_self_or_admin(caller, user_id)
        values: dict[str, str] = {}
        if changes.email is not None:
            values["email"] = valid_email(changes.email)
        if changes.name is not None:
            values["name"] = valid_name(changes.name)
        if changes.password is not None:
            check_password_policy(changes.password)
            values["password_hash"] = await self.hasher.hash(changes.password)
        async with self.sessions.begin() as session:
            repository = UserRepository(session)
            account = await repository.get(user_id)
            if account is None:
                raise _user_not_found(user_id)
            check_role_change(caller, account, changes.role)
            if changes.role is not None:
                values["role"] = changes.role
            if not values:
                return account
            revokes = changes.revokes_tokens(account)
            updated = await repository.update(user_id, values, bump_token_version=revokes)
            if updated is None:
                raise _user_not_found(user_id)
            if revokes:
                await self.revocation(session, updated)
        log.info("user %d updated by user %d: %s", user_id, caller.user_id, sorted(values))
        return updated.account

    async def delete(self, caller: Caller | None, user_id: int) -> None:
        caller = require_admin(caller)
        async with self.sessions.begin() as session:
            deleted = await UserRepository(session).delete(user_id)
            if deleted is None:
                raise _user_not_found(user_id)
            stale = TokenHolder(deleted.account, deleted.version + 1)
            await self.revocation(session, stale, deleted=True)
        log.info("user %d deleted by admin %d", user_id, caller.user_id)

    async def ensure_admin(self, *, email: str, password: str, name: str) -> Account:
        """Creates this admin account, or gives an existing one the admin role and this password.

        Promoting an account or giving it another password revokes its tokens; ensuring the
        same admin with the same password (every start) does not.
        """
        email, name, password_hash = await self._new_account(email, password, name)
        async with reading(self.sessions) as session:
            found = await UserRepository(session).credentials(email)
        revokes = found is not None and (
            found[0].account.role != "admin" or not await self.hasher.verify(password, found[1])
        )
        async with self.sessions.begin() as session:
            holder = await UserRepository(session).upsert_admin(
                email=email, name=name, password_hash=password_hash, bump_token_version=revokes
            )
            if revokes:
                await self.revocation(session, holder)
        log.info("admin account %d ensured", holder.account.id)
        return holder.account

    async def add_push_subscription(
        self, caller: Caller | None, *, endpoint: str, p256dh: str, auth: str
    ) -> PushSubscriptionRecord:
        caller = signed_in(caller)
        valid_push_endpoint(endpoint, allow_insecure=self.allow_insecure_push_endpoints)
        if not (0 < len(p256dh) <= MAX_KEY_LENGTH and 0 < len(auth) <= MAX_KEY_LENGTH):
            raise InvalidArgument(
                f"p256dh and auth must be 1 to {MAX_KEY_LENGTH} characters", code="invalid_keys"
            )
        async with self.sessions.begin() as session:
            return await UserRepository(session).add_push_subscription(
                user_id=caller.user_id, endpoint=endpoint, p256dh=p256dh, auth=auth
            )

    async def delete_push_subscription(self, caller: Caller | None, *, endpoint: str) -> None:
        caller = signed_in(caller)
        async with self.sessions.begin() as session:
            deleted = await UserRepository(session).delete_push_subscription(
                user_id=caller.user_id, endpoint=endpoint
            )
        if not deleted:
            raise NotFound("no such push subscription", code="push_subscription_not_found")

    def vapid_public_key(self) -> str:
        """The application server key browsers subscribe with (base64url, uncompressed P-256)."""
        if not self._vapid_public_key:
            raise Conflict("web push is not configured", code="push_not_configured")
        return self._vapid_public_key
