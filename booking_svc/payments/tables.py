"""The payment tables in booking_svc's database: ours (payments, webhook events received) and
the demo provider's own (its payments and its webhook outbox), which a real provider keeps."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from booking_svc.models import Base

payments = Table(
    "payments",
    Base.metadata,
    # One attempt to pay a booking at a provider. At most one is open (requires_payment) per
    # booking, which makes POST /pay idempotent; the webhook settles it.
    Column("id", Uuid, primary_key=True),
    Column("booking_id", Uuid, ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False),
    Column("provider", Text, nullable=False),
    Column("provider_ref", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="requires_payment"),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("checkout_url", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column(
        "updated_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        onupdate=func.now(),
    ),
    CheckConstraint("status IN ('requires_payment', 'succeeded', 'refunded')", name="status"),
    Index(
        "uq_payments_open_booking_id",
        "booking_id",
        unique=True,
        postgresql_where=text("status = 'requires_payment'"),
    ),
    Index("uq_payments_provider_provider_ref", "provider", "provider_ref", unique=True),
)

webhook_events = Table(
    "payment_webhook_events",
    Base.metadata,
    # Ids of the provider events already handled, written in the transaction of their effect:
    # a replayed event finds its id here and changes nothing.
    Column("event_id", Text, primary_key=True),
    Column("provider", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

demo_payments = Table(
    "demo_provider_payments",
    Base.metadata,
    # The demo card processor's side of a payment (a real provider keeps this at its end).
    Column("id", Text, primary_key=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),
    Column("return_url", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column(
        "updated_at",
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        onupdate=func.now(),
    ),
    CheckConstraint(
        "status IN ('open', 'declined', 'requires_action', 'succeeded', 'refunded')",
        name="status",
    ),
)

demo_webhooks = Table(
    "demo_provider_webhooks",
    Base.metadata,
    # The demo provider's webhook outbox: every event is POSTed until the receiver
    # acknowledges it, with a growing pause between attempts, across restarts.
    Column("event_id", Text, primary_key=True),
    Column("payload", LargeBinary, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True)),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index(
        "ix_demo_provider_webhooks_due",
        "next_attempt_at",
        postgresql_where=text("delivered_at IS NULL"),
    ),
)
