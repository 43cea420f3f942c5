"""Alembic environment of booking_svc."""

from booking_svc.models import Base
from svckit.migrations import run_env

run_env(Base.metadata)
