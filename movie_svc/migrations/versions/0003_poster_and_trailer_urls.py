"""poster and trailer urls: where a movie's poster picture and trailer are ('' for none)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("movies", sa.Column("poster_url", sa.Text(), server_default="", nullable=False))
    op.add_column("movies", sa.Column("trailer_url", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    op.drop_column("movies", "trailer_url")
    op.drop_column("movies", "poster_url")
