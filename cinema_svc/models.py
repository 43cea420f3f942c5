"""cinema_svc tables: halls, seats, sessions, the outbox of session changes, the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, ExcludeConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from svckit.audit import audit_table
from svckit.db import service_metadata
from svckit.outbox import outbox_table


class Base(DeclarativeBase):
    metadata = service_metadata()


outbox = outbox_table(Base.metadata)
audit_log = audit_table(Base.metadata)


class Hall(Base):
    __tablename__ = "halls"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(Text, server_default="")
    seats: Mapped[list[Seat]] = relationship(
        back_populates="hall",
        lazy="selectin",
        order_by="(Seat.row, Seat.number)",
        cascade="all, delete-orphan",
    )


class Seat(Base):
    __tablename__ = "seats"
    __table_args__ = (
        UniqueConstraint("hall_id", "row", "number"),
        CheckConstraint("type IN ('standard', 'vip', 'wheelchair', 'companion')", name="type"),
        CheckConstraint("row > 0 AND number > 0", name="position"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(Text, server_default="standard")
    hall: Mapped[Hall] = relationship(back_populates="seats")


class Session(Base):
    """A showtime. No two live sessions of one hall overlap: an exclusion constraint says so."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="time_order"),
        CheckConstraint("base_price_cents >= 0", name="price"),
        CheckConstraint(
            "status IN ('scheduled', 'ongoing', 'finished', 'cancelled')", name="status"
        ),
        ExcludeConstraint(
            ("hall_id", "="),
            (text("tstzrange(start_time, end_time)"), "&&"),
            name="ex_sessions_hall_overlap",
            using="gist",
            where="status <> 'cancelled'",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    movie_id: Mapped[int] = mapped_column(BigInteger, index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="RESTRICT"), index=True)
    start_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    end_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    base_price_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(Text, server_default="scheduled")
    seat_prices: Mapped[dict[str, int]] = mapped_column(
        JSONB, server_default=text("'{}'::jsonb"), default=dict
    )
    """Prices (cents) set for seat types other than standard; the rest follow the multipliers."""
