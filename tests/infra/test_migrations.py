"""Each service's migrations apply to an empty database and can be run again."""

from __future__ import annotations

import importlib
from pathlib import Path

import psycopg
import pytest

from deploy import infra
from svckit.migrations import upgrade_to_head

SERVICES = sorted(infra.SERVICE_DATABASES)


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_apply_to_an_empty_database_and_rerun(
    endpoints: infra.Endpoints, service: str
) -> None:
    dsn = infra.create_database(f"test_migrate_{service}", drop_first=True)
    migrations = Path(f"{service}_svc/migrations")
    upgrade_to_head(migrations, dsn)
    upgrade_to_head(migrations, dsn)
    models = importlib.import_module(f"{service}_svc.models")
    expected = set(models.Base.metadata.tables)
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        heads = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    assert expected <= {name for (name,) in rows}
    assert len(heads) == 1
