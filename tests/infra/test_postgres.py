"""The launcher's PostgreSQL cluster: service databases and fresh per-test databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from deploy.infra import SERVICE_DATABASES, Endpoints, create_database


@pytest.fixture
def scratch_name(infra: Endpoints) -> Iterator[str]:
    """A database name unique to this test, dropped afterwards."""
    name = f"infra_test_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(f"{infra.postgres_dsn_base}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _tables(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    return [row[0] for row in rows]


def test_every_service_database_exists(infra: Endpoints) -> None:
    with psycopg.connect(f"{infra.postgres_dsn_base}/postgres") as conn:
        names = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
    assert set(SERVICE_DATABASES.values()) <= names


def test_create_database_keeps_an_existing_database_unless_asked_to_drop_it(
    infra: Endpoints, scratch_name: str
) -> None:
    dsn = create_database(scratch_name)
    assert dsn == f"{infra.postgres_dsn_base}/{scratch_name}"
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE seats (id int PRIMARY KEY)")
        conn.execute("INSERT INTO seats VALUES (1)")

    assert create_database(scratch_name) == dsn
    assert _tables(dsn) == ["seats"]

    assert create_database(scratch_name, drop_first=True) == dsn
    assert _tables(dsn) == []
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE seats (id int PRIMARY KEY)")
        conn.execute("INSERT INTO seats VALUES (7)")
        assert conn.execute("SELECT id FROM seats").fetchall() == [(7,)]


def test_drop_first_works_while_a_connection_is_still_open(
    infra: Endpoints, scratch_name: str
) -> None:
    dsn = create_database(scratch_name)
    lingering = psycopg.connect(dsn, autocommit=True)
    try:
        lingering.execute("CREATE TABLE leftovers (id int)")
        assert create_database(scratch_name, drop_first=True) == dsn
    finally:
        lingering.close()
    assert _tables(dsn) == []
