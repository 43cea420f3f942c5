"""One migration history for user_svc's database: accounts' and notifications' tables alike."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from svckit.db import sqlalchemy_url
from user_svc import notifications
from user_svc.models import Base, schema


def test_the_migrations_build_exactly_the_tables_the_models_declare(user_dsn: str) -> None:
    engine = create_engine(sqlalchemy_url(user_dsn), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), schema())
    finally:
        engine.dispose()
    assert differences == []


def test_the_schema_holds_the_notification_tables_apart_from_the_accounts_ones() -> None:
    accounts = set(Base.metadata.tables)
    notification_tables = set(notifications.metadata.tables)
    assert accounts == {"users", "refresh_tokens", "push_subscriptions", "outbox"}
    assert notification_tables == {"sent_notifications", "hold_reminders", "vapid_keys"}
    assert set(schema().tables) == accounts | notification_tables
