"""movie_svc tables: genres, movies, the link between them, and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from svckit.audit import audit_table
from svckit.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


audit_log = audit_table(Base.metadata)


movie_genres = Table(
    "movie_genres",
    Base.metadata,
    Column("movie_id", ForeignKey("movies.id", ondelete="CASCADE"), primary_key=True),
    Column("genre_id", ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Genre(Base):
    __tablename__ = "genres"
    __table_args__ = (
        Index("uq_genres_name_lower", text("lower(name)"), unique=True),
        CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="name_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)


def trigram_index(column: str) -> Index:
    """A GIN trigram index, so `column ILIKE '%text%'` need not scan the table."""
    return Index(
        f"ix_movies_{column}_trgm",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    )


class Movie(Base):
    __tablename__ = "movies"
    __table_args__ = (
        CheckConstraint(
            "movie_status IN ('coming_soon', 'now_showing', 'ended')", name="movie_status"
        ),
        CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint("year BETWEEN 1888 AND 2100", name="year_range"),
        CheckConstraint("duration BETWEEN 1 AND 1000", name="duration_range"),
        Index("ix_movies_year", "year"),
        Index("ix_movies_movie_status", "movie_status"),
        Index("ix_movies_title_id", "title", "id"),
        trigram_index("title"),
        trigram_index("description"),
    )
    __mapper_args__: dict[str, Any] = {"eager_defaults": True}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default="")
    year: Mapped[int] = mapped_column(Integer)
    duration: Mapped[int] = mapped_column(Integer)
    age_rating: Mapped[str] = mapped_column(Text, server_default="")
    movie_status: Mapped[str] = mapped_column(Text, server_default="coming_soon")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    genres: Mapped[list[Genre]] = relationship(secondary=movie_genres, lazy="selectin")
