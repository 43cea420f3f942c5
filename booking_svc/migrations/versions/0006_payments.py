"""payments: payments through a provider, webhook events received, the demo provider's tables

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("provider_ref", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="requires_payment", nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("checkout_url", sa.Text(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('requires_payment', 'succeeded', 'refunded')",
            name=op.f("ck_payments_status"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_payments_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(
        "uq_payments_open_booking_id",
        "payments",
        ["booking_id"],
        unique=True,
        postgresql_where=sa.text("status = 'requires_payment'"),
    )
    op.create_index(
        "uq_payments_provider_provider_ref", "payments", ["provider", "provider_ref"], unique=True
    )
    op.create_table(
        "payment_webhook_events",
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_payment_webhook_events")),
    )
    op.create_table(
        "demo_provider_payments",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("return_url", sa.Text(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('open', 'declined', 'requires_action', 'succeeded', 'refunded')",
            name=op.f("ck_demo_provider_payments_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_provider_payments")),
    )
    op.create_table(
        "demo_provider_webhooks",
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_demo_provider_webhooks")),
    )
    op.create_index(
        "ix_demo_provider_webhooks_due",
        "demo_provider_webhooks",
        ["next_attempt_at"],
        postgresql_where=sa.text("delivered_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_demo_provider_webhooks_due", table_name="demo_provider_webhooks")
    op.drop_table("demo_provider_webhooks")
    op.drop_table("demo_provider_payments")
    op.drop_table("payment_webhook_events")
    op.drop_index("uq_payments_provider_provider_ref", table_name="payments")
    op.drop_index("uq_payments_open_booking_id", table_name="payments")
    op.drop_table("payments")
