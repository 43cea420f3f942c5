"""tickets: one per seat of a confirmed booking, checked in at the door once

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("seat_id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), server_default="valid", nullable=False),
        sa.Column(
            "issued_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('valid', 'used', 'void')", name=op.f("ck_tickets_status")),
        sa.ForeignKeyConstraint(
            ["booking_id", "seat_id"],
            ["booking_seats.booking_id", "booking_seats.seat_id"],
            name=op.f("fk_tickets_booking_id_booking_seats"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("booking_id", "seat_id", name=op.f("uq_tickets_booking_id_seat_id")),
    )


def downgrade() -> None:
    op.drop_table("tickets")
