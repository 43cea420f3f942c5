"""booking_svc tables: bookings, their seats, seat-map versions, held seat counts, the keys of
confirms and cancels, tickets, and the event outbox.

The hot path uses SQLAlchemy Core, so the tables are declared as Core tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase

from svckit.db import service_metadata
from svckit.outbox import outbox_table


class Base(DeclarativeBase):
    metadata = service_metadata()


outbox = outbox_table(Base.metadata)

bookings = Table(
    "bookings",
    Base.metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("session_id", BigInteger, nullable=False, index=True),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("payment_status", Text, nullable=False, server_default="pending"),
    Column("reason", Text, nullable=False, server_default=""),
    Column("total_price_cents", BigInteger, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("session_starts_at", DateTime(timezone=True), nullable=False),
    Column("session_ends_at", DateTime(timezone=True), nullable=False),
    Column("idempotency_key", Text),
    Column("request_hash", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column(
        "updated_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        onupdate=func.now(),
    ),
    # hold extension: how many times the deadline moved later
    Column("extensions", Integer, nullable=False, server_default="0"),
    # waiting list: who chose the seats (the customer, or the waiting list for them)
    Column("source", Text, nullable=False, server_default="direct"),
    CheckConstraint("source IN ('direct', 'waitlist')", name="source"),
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
    Index(
        "ix_bookings_idempotency_created_at",
        "created_at",
        postgresql_where=text("idempotency_key IS NOT NULL"),
    ),
)

booking_seats = Table(
    "booking_seats",
    Base.metadata,
    Column(
        "booking_id",
        Uuid,
        ForeignKey("bookings.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("seat_id", BigInteger, primary_key=True),
    Column("session_id", BigInteger, nullable=False),
    Column("row", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("type", Text, nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # Set when the seat was given back from a booking that goes on (a partial cancellation);
    # such a seat is no longer the booking's.
    Column("released_at", DateTime(timezone=True)),
    # A seat is active while its booking holds it (pending), owns it (confirmed) or sold it for
    # a session that is over (finished). This partial unique index makes double booking impossible.
    Index(
        "uq_booking_seats_live_seat",
        "session_id",
        "seat_id",
        unique=True,
        postgresql_where=text("active"),
    ),
)

seat_map_versions = Table(
    "seat_map_versions",
    Base.metadata,
    # One row per session: bumped by every change to its seats, which orders the live feed and
    # serialises the per-session outbox writes; `session_cancelled` refuses holds at commit time.
    Column("session_id", BigInteger, primary_key=True),
    Column("version", BigInteger, nullable=False, server_default="0"),
    Column("session_cancelled", Boolean, nullable=False, server_default=text("false")),
)

held_seat_counts = Table(
    "held_seat_counts",
    Base.metadata,
    # Seats in each user's pending bookings of each session, kept by the statements that start
    # and end holds. The hold statement raises it only while it stays within the per-user limit;
    # its row lock is what makes concurrent holds by one user wait for each other.
    Column("session_id", BigInteger, primary_key=True),
    Column("user_id", BigInteger, primary_key=True),
    Column("seats", Integer, nullable=False),
)

action_keys = Table(
    "action_keys",
    Base.metadata,
    # Idempotency-Keys of confirms, cancels and seat releases (a hold's key is on its
    # booking). Each keeps the columns of the booking the change set, as it answered them (a
    # booking's other columns never change), so a retry gets that answer; written in the
    # change's transaction, and forgotten after a day like the holds' keys.
    Column("user_id", BigInteger, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("booking_id", Uuid, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    Column("action", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("payment_status", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("action IN ('confirm', 'cancel', 'release')", name="action"),
    Index("ix_action_keys_created_at", "created_at"),
)

tickets = Table(
    "tickets",
    Base.metadata,
    # One per seat of a confirmed booking, issued in the confirming transaction and voided in
    # the one that ends the booking. Check-in is one conditional UPDATE from `valid` to `used`,
    # so of concurrent scans of one code exactly one wins. The code is not stored: it is the
    # id and session id signed (booking_svc/ticket_codes.py).
    Column("id", Uuid, primary_key=True),
    Column("booking_id", Uuid, nullable=False),
    Column("seat_id", BigInteger, nullable=False),
    Column("session_id", BigInteger, nullable=False),
    Column("status", Text, nullable=False, server_default="valid"),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("checked_in_at", DateTime(timezone=True)),
    Column("checked_in_by", BigInteger),
    CheckConstraint("status IN ('valid', 'used', 'void')", name="status"),
    ForeignKeyConstraint(
        ["booking_id", "seat_id"],
        ["booking_seats.booking_id", "booking_seats.seat_id"],
        ondelete="CASCADE",
    ),
    UniqueConstraint("booking_id", "seat_id"),
)

waitlist_entries = Table(
    "waitlist_entries",
    Base.metadata,
    # People waiting for `seat_count` seats of a session (side by side when `together`), served
    # oldest first when seats free: `booking_id` is the pending booking made for them.
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, nullable=False),
    Column("session_id", BigInteger, nullable=False),
    Column("seat_count", Integer, nullable=False),
    Column("together", Boolean, nullable=False),
    Column("status", Text, nullable=False, server_default="waiting"),
    Column("booking_id", Uuid, ForeignKey("bookings.id", ondelete="SET NULL")),
    Column("session_starts_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('waiting', 'served', 'cancelled', 'ended')", name="status"),
    CheckConstraint("seat_count > 0", name="seat_count"),
    # at most one waiting entry per person and session
    Index(
        "uq_waitlist_entries_waiting_user",
        "session_id",
        "user_id",
        unique=True,
        postgresql_where=text("status = 'waiting'"),
    ),
    Index(
        "ix_waitlist_entries_waiting_order",
        "session_id",
        "created_at",
        "id",
        postgresql_where=text("status = 'waiting'"),
    ),
    Index("ix_waitlist_entries_user_id_created_at", "user_id", "created_at"),
)
