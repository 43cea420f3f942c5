"""A fresh, migrated user_svc database and the use cases on top of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy import infra
from svckit.db import make_engine, make_sessionmaker
from svckit.migrations import upgrade_to_head
from svckit.settings import JwtSettings
from tests.identity import TEST_JWT
from user_svc.accounts import Accounts
from user_svc.passwords import PasswordHasher

MIGRATIONS = Path(__file__).resolve().parents[2] / "user_svc" / "migrations"


@pytest.fixture(scope="session")
def user_dsn(endpoints: infra.Endpoints) -> str:
    dsn = infra.create_database("test_user_svc", drop_first=True)
    upgrade_to_head(MIGRATIONS, dsn)
    return dsn


@pytest.fixture(scope="session")
async def engine(user_dsn: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(user_dsn, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def token_settings() -> JwtSettings:
    return TEST_JWT


@pytest.fixture(scope="session")
def accounts(engine: AsyncEngine, token_settings: JwtSettings) -> Accounts:
    return Accounts(make_sessionmaker(engine), PasswordHasher(rounds=4), token_settings)
