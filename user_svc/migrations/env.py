"""Alembic environment of user_svc: one history for the accounts' and notifications' tables."""

from svckit.migrations import run_env
from user_svc.models import schema

run_env(schema())
