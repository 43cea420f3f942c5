"""booking_svc tables: bookings, their seats, seat-map versions, and the event outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from svckit.db import service_metadata
from svckit.outbox import outbox_table


class Base(DeclarativeBase):
    metadata = service_metadata()


outbox = outbox_table(Base.metadata)


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'confirmed', 'finished', 'expired', 'cancelled')", name="status"
        ),
        CheckConstraint(
            "payment_status IN ('pending', 'paid', 'refunded', 'void')", name="payment_status"
        ),
        Index(
            "ix_bookings_pending_expires_at",
            "expires_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_bookings_user_id_created_at", "user_id", "created_at"),
        Index(
            "ix_bookings_live_session_ends_at",
            "session_ends_at",
            postgresql_where=text("status IN ('pending', 'confirmed')"),
        ),
        Index(
            "uq_bookings_user_id_idempotency_key",
            "user_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(BigInteger)
    session_id: Mapped[int] = mapped_column(BigInteger, index=True)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    payment_status: Mapped[str] = mapped_column(Text, server_default="pending")
    reason: Mapped[str] = mapped_column(Text, server_default="")
    total_price_cents: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    session_starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    session_ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    idempotency_key: Mapped[str | None] = mapped_column(Text)
    request_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    seats: Mapped[list[BookingSeat]] = relationship(
        back_populates="booking", lazy="selectin", order_by="(BookingSeat.row, BookingSeat.number)"
    )


class BookingSeat(Base):
    """A seat of a booking. The partial unique index is what makes double booking impossible."""

    __tablename__ = "booking_seats"
    __table_args__ = (
        Index(
            "uq_booking_seats_live_seat",
            "session_id",
            "seat_id",
            unique=True,
            postgresql_where=text("active"),
        ),
    )

    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True
    )
    seat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    session_id: Mapped[int] = mapped_column(BigInteger)
    row: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(Text)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    booking: Mapped[Booking] = relationship(back_populates="seats")


class SeatMapVersion(Base):
    """A counter per session, bumped by every change to its seats; orders the live feed."""

    __tablename__ = "seat_map_versions"

    session_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")
