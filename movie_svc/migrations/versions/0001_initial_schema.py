"""initial schema

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "genres",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "char_length(name) BETWEEN 1 AND 100", name=op.f("ck_genres_name_length")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genres")),
    )
    op.create_index(
        "uq_genres_name_lower", "genres", [sa.literal_column("lower(name)")], unique=True
    )
    op.create_table(
        "movies",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column("age_rating", sa.Text(), server_default="", nullable=False),
        sa.Column("movie_status", sa.Text(), server_default="coming_soon", nullable=False),
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
            "movie_status IN ('coming_soon', 'now_showing', 'ended')",
            name=op.f("ck_movies_movie_status"),
        ),
        sa.CheckConstraint(
            "char_length(title) BETWEEN 1 AND 200", name=op.f("ck_movies_title_length")
        ),
        sa.CheckConstraint("year BETWEEN 1888 AND 2100", name=op.f("ck_movies_year_range")),
        sa.CheckConstraint("duration BETWEEN 1 AND 1000", name=op.f("ck_movies_duration_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movies")),
    )
    op.create_index("ix_movies_movie_status", "movies", ["movie_status"], unique=False)
    op.create_index("ix_movies_year", "movies", ["year"], unique=False)
    op.create_index("ix_movies_title_id", "movies", ["title", "id"], unique=False)
    op.create_index(
        "ix_movies_title_trgm",
        "movies",
        ["title"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_movies_description_trgm",
        "movies",
        ["description"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"description": "gin_trgm_ops"},
    )
    op.create_table(
        "movie_genres",
        sa.Column("movie_id", sa.BigInteger(), nullable=False),
        sa.Column("genre_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["genre_id"],
            ["genres.id"],
            name=op.f("fk_movie_genres_genre_id_genres"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["movie_id"],
            ["movies.id"],
            name=op.f("fk_movie_genres_movie_id_movies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("movie_id", "genre_id", name=op.f("pk_movie_genres")),
    )
    op.create_index(op.f("ix_movie_genres_genre_id"), "movie_genres", ["genre_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_movie_genres_genre_id"), table_name="movie_genres")
    op.drop_table("movie_genres")
    op.drop_index("ix_movies_description_trgm", table_name="movies")
    op.drop_index("ix_movies_title_trgm", table_name="movies")
    op.drop_index("ix_movies_title_id", table_name="movies")
    op.drop_index("ix_movies_year", table_name="movies")
    op.drop_index("ix_movies_movie_status", table_name="movies")
    op.drop_table("movies")
    op.drop_index("uq_genres_name_lower", table_name="genres")
    op.drop_table("genres")
