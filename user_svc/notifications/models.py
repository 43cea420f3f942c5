"""The notification tables: what was sent, reminders to send, and the VAPID key pair.

They live in user_svc's database and its one migration history (see user_svc.models), but
under their own metadata: nothing outside this package maps them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Index,
    LargeBinary,
    SmallInteger,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from svckit.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class SentNotification(Base):
    """One row per (event, channel): a redelivered event never sends twice.

    A channel is `email`, `push:<subscription id>`, or either with a `reminder:` prefix.
    `outcome` says how it ended: sent; rejected for good (refused address or message); gone (the
    push subscription no longer exists); failed (a push service kept failing, given up).
    """

    __tablename__ = "sent_notifications"
    __table_args__ = (
        CheckConstraint("outcome IN ('sent', 'rejected', 'gone', 'failed')", name="outcome"),
        Index("ix_sent_notifications_sent_at", "sent_at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(Text, primary_key=True)
    outcome: Mapped[str] = mapped_column(Text, server_default="sent")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class VapidKey(Base):
    """The deployment's one VAPID key pair (id 1), made by the first replica to start."""

    __tablename__ = "vapid_keys"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(Text)
    """base64url of the uncompressed P-256 point, as browsers take it."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class HoldReminder(Base):
    """A reminder to pay before an unpaid hold expires.

    `pending` until it is sent (`sent`), the booking is confirmed or cancelled first
    (`settled`), or the hold expired before it could go out (`missed`). A settled row may
    come before its booking.created event (the topics are not ordered with each other), and
    then keeps that late event from scheduling a reminder.
    """

    __tablename__ = "hold_reminders"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'settled', 'missed')", name="state"),
        Index("ix_hold_reminders_due_at", "due_at", postgresql_where=text("state = 'pending'")),
        Index("ix_hold_reminders_expires_at", "expires_at"),
    )

    booking_id: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The booking.created event (a serialized BookingEvent) the reminder is made from."""
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
