"""companion seats: a seat type for the person accompanying a wheelchair user

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_seats_type"), "seats", type_="check")
    op.create_check_constraint(
        op.f("ck_seats_type"), "seats", "type IN ('standard', 'vip', 'wheelchair', 'companion')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_seats_type"), "seats", type_="check")
    op.create_check_constraint(
        op.f("ck_seats_type"), "seats", "type IN ('standard', 'vip', 'wheelchair')"
    )
