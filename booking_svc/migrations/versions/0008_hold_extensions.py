"""hold extensions: how many times a hold's deadline moved later

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "bookings", sa.Column("extensions", sa.Integer(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("bookings", "extensions")
