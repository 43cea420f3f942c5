"""Alembic environment of cinema_svc."""

from cinema_svc.models import Base
from svckit.migrations import run_env

run_env(Base.metadata)
