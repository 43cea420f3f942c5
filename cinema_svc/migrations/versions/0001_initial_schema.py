"""initial schema

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "halls",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_halls")),
        sa.UniqueConstraint("number", name=op.f("uq_halls_number")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["id"],
        unique=False,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "seats",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("hall_id", sa.BigInteger(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("type", sa.Text(), server_default="standard", nullable=False),
        sa.CheckConstraint("type IN ('standard', 'vip', 'wheelchair')", name=op.f("ck_seats_type")),
        sa.CheckConstraint("row > 0 AND number > 0", name=op.f("ck_seats_position")),
        sa.ForeignKeyConstraint(
            ["hall_id"], ["halls.id"], name=op.f("fk_seats_hall_id_halls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seats")),
        sa.UniqueConstraint("hall_id", "row", "number", name=op.f("uq_seats_hall_id_row_number")),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("movie_id", sa.BigInteger(), nullable=False),
        sa.Column("hall_id", sa.BigInteger(), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("base_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), server_default="scheduled", nullable=False),
        postgresql.ExcludeConstraint(
            (sa.column("hall_id"), "="),
            (sa.text("tstzrange(start_time, end_time)"), "&&"),
            where=sa.text("status <> 'cancelled'"),
            using="gist",
            name="ex_sessions_hall_overlap",
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'ongoing', 'finished', 'cancelled')",
            name=op.f("ck_sessions_status"),
        ),
        sa.CheckConstraint("base_price_cents >= 0", name=op.f("ck_sessions_price")),
        sa.CheckConstraint("end_time > start_time", name=op.f("ck_sessions_time_order")),
        sa.ForeignKeyConstraint(
            ["hall_id"], ["halls.id"], name=op.f("fk_sessions_hall_id_halls"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_hall_id"), "sessions", ["hall_id"], unique=False)
    op.create_index(op.f("ix_sessions_movie_id"), "sessions", ["movie_id"], unique=False)
    op.create_index(op.f("ix_sessions_start_time"), "sessions", ["start_time"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sessions_start_time"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_movie_id"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_hall_id"), table_name="sessions")
    op.drop_table("sessions")
    op.drop_table("seats")
    op.drop_index(
        "ix_outbox_unpublished",
        table_name="outbox",
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.drop_table("outbox")
    op.drop_table("halls")
