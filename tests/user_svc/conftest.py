"""A fresh, migrated user_svc database, the use cases on top of it, and accounts to try them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy import infra
from svckit.db import make_engine, make_sessionmaker
from svckit.identity import Caller
from svckit.migrations import upgrade_to_head
from svckit.settings import JwtSettings
from svckit.vocabulary import Topic
from tests.conftest import scratch_database
from tests.identity import TEST_JWT
from user_svc.accounts import Accounts
from user_svc.domain import Account
from user_svc.passwords import PasswordHasher
from user_svc.sign_ins import SignIns, TokenSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "user_svc" / "migrations"
TOPIC_PREFIX = "unit."
PASSWORD = "Corr3ct-Horse-Battery"
ADMIN = Caller(user_id=1_000_000_000, role="admin")


def new_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@Example.com"


async def new_account(accounts: Accounts) -> Account:
    return await accounts.register(email=new_email(), password=PASSWORD, name="Test Person")


@pytest.fixture(scope="session")
def user_dsn(endpoints: infra.Endpoints) -> str:
    dsn = scratch_database("user_svc")
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
def accounts(engine: AsyncEngine) -> Accounts:
    return Accounts(
        make_sessionmaker(engine),
        PasswordHasher(rounds=4),
        user_changed_topic=TOPIC_PREFIX + Topic.USER_CHANGED,
    )


@pytest.fixture(scope="session")
def sign_ins(engine: AsyncEngine, token_settings: TokenSettings) -> SignIns:
    return SignIns(make_sessionmaker(engine), PasswordHasher(rounds=4), token_settings)
