"""Alembic environment of movie_svc."""

from movie_svc.models import Base
from svckit.migrations import run_env

run_env(Base.metadata)
