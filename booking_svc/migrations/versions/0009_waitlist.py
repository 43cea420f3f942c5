"""waiting list: entries waiting for seats, and the source of a booking

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "bookings", sa.Column("source", sa.Text(), server_default="direct", nullable=False)
    )
    op.create_check_constraint(
        op.f("ck_bookings_source"), "bookings", "source IN ('direct', 'waitlist')"
    )
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("seat_count", sa.Integer(), nullable=False),
        sa.Column("together", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Text(), server_default="waiting", nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("session_starts_at", sa.DateTime(timezone=True), nullable=False),
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
        sa.CheckConstraint(
            "status IN ('waiting', 'served', 'cancelled', 'ended')",
            name=op.f("ck_waitlist_entries_status"),
        ),
        sa.CheckConstraint("seat_count > 0", name=op.f("ck_waitlist_entries_seat_count")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_waitlist_entries_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    op.create_index(
        "uq_waitlist_entries_waiting_user",
        "waitlist_entries",
        ["session_id", "user_id"],
        unique=True,
        postgresql_where=sa.text("status = 'waiting'"),
    )
    op.create_index(
        "ix_waitlist_entries_waiting_order",
        "waitlist_entries",
        ["session_id", "created_at", "id"],
        postgresql_where=sa.text("status = 'waiting'"),
    )
    op.create_index(
        "ix_waitlist_entries_user_id_created_at", "waitlist_entries", ["user_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("waitlist_entries")
    op.drop_constraint(op.f("ck_bookings_source"), "bookings", type_="check")
    op.drop_column("bookings", "source")
