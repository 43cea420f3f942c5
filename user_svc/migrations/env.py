"""Alembic environment of user_svc."""

from svckit.migrations import run_env
from user_svc.models import Base

run_env(Base.metadata)
