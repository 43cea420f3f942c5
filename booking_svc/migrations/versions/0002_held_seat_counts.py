"""held seat counts: seats in each user's pending bookings of each session

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_seat_counts",
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "user_id", name=op.f("pk_held_seat_counts")),
    )
    op.execute(
        """
        INSERT INTO held_seat_counts (session_id, user_id, seats)
        SELECT b.session_id, b.user_id, count(*)
        FROM bookings b JOIN booking_seats s ON s.booking_id = b.id
        WHERE b.status = 'pending'
        GROUP BY b.session_id, b.user_id
        """
    )


def downgrade() -> None:
    op.drop_table("held_seat_counts")
