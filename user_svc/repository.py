"""SQL for accounts and push subscriptions, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping

from psycopg import errors as pg_errors
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from svckit.errors import AlreadyExists
from svckit.vocabulary import Role
from user_svc.domain import Account, PushSubscriptionRecord, TokenHolder, valid_role
from user_svc.models import PushSubscription, User
from user_svc.notifications import Recipient, Subscription

EMAIL_INDEX = "uq_users_email_lower"


def _account(row: User) -> Account:
    return Account(
        id=row.id,
        email=row.email,
        name=row.name,
        role=valid_role(row.role),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _holder(row: User) -> TokenHolder:
    return TokenHolder(_account(row), row.token_version)


def _raise_if_email_taken(error: IntegrityError) -> None:
    cause = error.orig
    if isinstance(cause, pg_errors.UniqueViolation) and cause.diag.constraint_name == EMAIL_INDEX:
        raise AlreadyExists("email is already registered", code="email_taken") from None


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self, *, email: str, name: str, password_hash: str, role: Role = "user"
    ) -> Account:
        """Inserts an account; AlreadyExists (email_taken) if the email is taken in any case."""
        statement = (
            insert(User)
            .values(email=email, name=name, password_hash=password_hash, role=role)
            .returning(User)
        )
        try:
            row = (await self.session.scalars(statement)).one()
        except IntegrityError as error:
            _raise_if_email_taken(error)
            raise
        return _account(row)

    async def get(self, user_id: int) -> Account | None:
        row = await self.session.get(User, user_id)
        return None if row is None else _account(row)

    async def credentials(self, email: str) -> tuple[TokenHolder, str] | None:
        """The account with this email (any case) and its password hash, for the login check."""
        statement = select(User).where(func.lower(User.email) == func.lower(email))
        row = (await self.session.scalars(statement)).one_or_none()
        return None if row is None else (_holder(row), row.password_hash)

    async def token_holder(self, user_id: int) -> TokenHolder | None:
        """The account and its token version, share-locked until the transaction ends.

        A password or role change (which bumps the version and revokes the refresh tokens)
        then runs wholly before or after the caller's token issue, never in between.
        """
        statement = select(User).where(User.id == user_id).with_for_update(read=True)
        row = (await self.session.scalars(statement)).one_or_none()
        return None if row is None else _holder(row)

    async def token_version(self, user_id: int) -> int | None:
        """The account's token version; None when there is no such account."""
        return await self.session.scalar(select(User.token_version).where(User.id == user_id))

    async def page(self, *, offset: int, limit: int) -> tuple[list[Account], int]:
        """One page of accounts in id order, and how many there are in all."""
        total = await self.session.scalar(select(func.count()).select_from(User))
        statement = select(User).order_by(User.id).offset(offset).limit(limit)
        rows = await self.session.scalars(statement)
        return [_account(row) for row in rows], int(total or 0)

    async def update(
        self, user_id: int, values: Mapping[str, str], *, bump_token_version: bool = False
    ) -> TokenHolder | None:
        """Changes the account; `bump_token_version` makes its access tokens stale."""
        version = {"token_version": User.token_version + 1} if bump_token_version else {}
        statement = (
            update(User)
            .where(User.id == user_id)
            .values(**values, **version, updated_at=func.now())
            .returning(User)
        )
        try:
            row = (await self.session.scalars(statement)).one_or_none()
        except IntegrityError as error:
            _raise_if_email_taken(error)
            raise
        return None if row is None else _holder(row)

    async def delete(self, user_id: int) -> TokenHolder | None:
        """Deletes the account (its refresh tokens go with it); what it was, or None."""
        row = (
            await self.session.scalars(delete(User).where(User.id == user_id).returning(User))
        ).one_or_none()
        return None if row is None else _holder(row)

    async def upsert_admin(
        self, *, email: str, name: str, password_hash: str, bump_token_version: bool = False
    ) -> TokenHolder:
        """Creates the admin account, or makes the account with this email admin with this password.

        One statement, so replicas starting together cannot both insert it;
        `bump_token_version` makes an existing account's access tokens stale.
        """
        values = insert(User).values(
            email=email, name=name, password_hash=password_hash, role="admin"
        )
        version = {"token_version": User.token_version + 1} if bump_token_version else {}
        statement = values.on_conflict_do_update(
            index_elements=[func.lower(User.email)],
            set_={
                "role": "admin",
                "password_hash": values.excluded.password_hash,
                "updated_at": func.now(),
                **version,
            },
        ).returning(User)
        row = (await self.session.scalars(statement)).one()
        return _holder(row)

    async def add_push_subscription(
        self, *, user_id: int, endpoint: str, p256dh: str, auth: str
    ) -> PushSubscriptionRecord:
        """Stores a browser's subscription; a known endpoint moves to this user with new keys."""
        values = insert(PushSubscription).values(
            user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth
        )
        statement = values.on_conflict_do_update(
            index_elements=[PushSubscription.endpoint],
            set_={"user_id": user_id, "p256dh": p256dh, "auth": auth},
        ).returning(PushSubscription.id, PushSubscription.endpoint, PushSubscription.created_at)
        row = (await self.session.execute(statement)).one()
        return PushSubscriptionRecord(id=row.id, endpoint=row.endpoint, created_at=row.created_at)

    async def delete_push_subscription(self, *, user_id: int, endpoint: str) -> bool:
        deleted = await self.session.scalar(
            delete(PushSubscription)
            .where(PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint)
            .returning(PushSubscription.id)
        )
        return deleted is not None

    async def delete_push_subscription_by_id(self, subscription_id: int) -> None:
        await self.session.execute(
            delete(PushSubscription).where(PushSubscription.id == subscription_id)
        )

    async def recipient(self, user_id: int) -> Recipient | None:
        """The account's address and name with its browsers, for notifications."""
        row = (
            await self.session.execute(select(User.email, User.name).where(User.id == user_id))
        ).one_or_none()
        if row is None:
            return None
        browsers = await self.session.execute(
            select(
                PushSubscription.id,
                PushSubscription.endpoint,
                PushSubscription.p256dh,
                PushSubscription.auth,
            )
            .where(PushSubscription.user_id == user_id)
            .order_by(PushSubscription.id)
        )
        subscriptions = tuple(Subscription(b.id, b.endpoint, b.p256dh, b.auth) for b in browsers)
        return Recipient(row.email, row.name, subscriptions)
