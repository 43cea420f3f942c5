"""A fresh, migrated user_svc database and the use cases on top of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy import infra
from svckit.db import make_engine, make_sessionmaker
from svckit.migrations import upgrade_to_head
from svckit.settings import CommonSettings
from user_svc.accounts import Accounts
from user_svc.passwords import PasswordHasher
from user_svc.sign_ins import SignIns

MIGRATIONS = Path(__file__).resolve().parents[2] / "user_svc" / "migrations"
JWT_SECRET = "user-svc-tests-secret-0123456789abcdef"
TOPIC_PREFIX = "unit."


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
def token_settings() -> CommonSettings:
    return CommonSettings(
        jwt_secret=JWT_SECRET, jwt_ttl_seconds=600, kafka_topic_prefix=TOPIC_PREFIX
    )


@pytest.fixture(scope="session")
def accounts(engine: AsyncEngine, token_settings: CommonSettings) -> Accounts:
    return Accounts(make_sessionmaker(engine), PasswordHasher(rounds=4), token_settings)


@pytest.fixture(scope="session")
def sign_ins(engine: AsyncEngine, token_settings: CommonSettings) -> SignIns:
    return SignIns(make_sessionmaker(engine), PasswordHasher(rounds=4), token_settings)
