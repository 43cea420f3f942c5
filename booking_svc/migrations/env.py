"""Alembic environment of booking_svc."""

import booking_svc.payments.tables  # noqa: F401 (registers the payment tables)
from booking_svc.models import Base
from svckit.migrations import run_env

run_env(Base.metadata)
