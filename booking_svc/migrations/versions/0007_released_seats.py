"""released seats: seats given back from a booking that goes on, and the key action for it

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "booking_seats", sa.Column("released_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.drop_constraint(op.f("ck_action_keys_action"), "action_keys", type_="check")
    op.create_check_constraint(
        op.f("ck_action_keys_action"), "action_keys", "action IN ('confirm', 'cancel', 'release')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_action_keys_action"), "action_keys", type_="check")
    op.create_check_constraint(
        op.f("ck_action_keys_action"), "action_keys", "action IN ('confirm', 'cancel')"
    )
    op.drop_column("booking_seats", "released_at")
