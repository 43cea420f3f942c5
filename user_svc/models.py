"""user_svc tables: accounts, their sign-ins' refresh tokens, their browsers' push
subscriptions, and the outbox of user.changed events.

The notification package keeps its own tables (user_svc.notifications.models) in this
database; `schema` is both, for the one alembic history of the database.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from svckit.db import service_metadata
from svckit.outbox import outbox_table
from user_svc import notifications


class Base(DeclarativeBase):
    metadata = service_metadata()


outbox = outbox_table(Base.metadata)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("uq_users_email_lower", text("lower(email)"), unique=True),
        CheckConstraint("role IN ('user', 'admin', 'staff')", name="role"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text, server_default="user")
    token_version: Mapped[int] = mapped_column(Integer, server_default="0")
    """Bumped by a password or role change: access tokens of an older version are stale."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class RefreshToken(Base):
    """One refresh token of a sign-in (its family); only its SHA-256 hash is stored.

    Refreshing spends a token (used_at) and issues the next one of the family; logout and
    the reuse of a spent token revoke the whole family (revoked_at).
    """

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PushSubscription(Base):
    """A browser of a user that accepts web push: the user's data, which notifications read."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    p256dh: Mapped[str] = mapped_column(Text)
    auth: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def schema() -> MetaData:
    """Every table of user_svc's database: these and the notification package's."""
    tables = service_metadata()
    for metadata in (Base.metadata, notifications.metadata):
        for table in metadata.tables.values():
            table.to_metadata(tables)
    return tables
