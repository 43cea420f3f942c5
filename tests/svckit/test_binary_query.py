"""svckit.db.BinaryQuery against a real PostgreSQL: values come back typed, parameters bind
by name, literal and expanding parameters are rendered, and a missing value is refused."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    Table,
    Text,
    Uuid,
    bindparam,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy import infra
from svckit.db import BinaryQuery, make_sessionmaker, service_metadata
from tests.conftest import scratch_engine

metadata = service_metadata()
things = Table(
    "things",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("n", BigInteger, nullable=False),
    Column("kind", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("numbers", ARRAY(Integer), nullable=False),
    Column("payload", LargeBinary, nullable=False),
)
T = things.c
AT = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
IDS = [uuid.uuid4() for _ in range(5)]


@pytest.fixture(scope="module")
async def engine(endpoints: infra.Endpoints) -> AsyncIterator[AsyncEngine]:
    async with scratch_engine("svckit_binary_query", metadata, pool_size=2) as engine:
        async with engine.begin() as conn:
            await conn.execute(
                things.insert(),
                [
                    {
                        "id": IDS[n],
                        "n": n,
                        "kind": "odd" if n % 2 else "even",
                        "at": AT,
                        "numbers": [n, n + 1],
                        "payload": bytes([n]) * 3,
                    }
                    for n in range(5)
                ],
            )
        yield engine


async def test_rows_come_back_as_typed_tuples_and_parameters_bind_by_name(
    engine: AsyncEngine,
) -> None:
    query = BinaryQuery(
        select(T.id, T.n, T.at, T.numbers, T.payload)
        .where(T.n >= bindparam("least", type_=BigInteger))
        .order_by(T.n)
        .limit(bindparam("limit", type_=BigInteger)),
        parameters=("least", "limit"),
    )
    async with engine.connect() as conn:
        first = await query.fetch(conn, {"least": 1, "limit": 2})
        later = await query.fetch(conn, {"least": 3, "limit": 10})
    assert first == [
        (IDS[1], 1, AT, [1, 2], b"\x01\x01\x01"),
        (IDS[2], 2, AT, [2, 3], b"\x02\x02\x02"),
    ]
    assert [row[1] for row in later] == [3, 4]


async def test_literal_and_expanding_parameters_are_rendered_into_the_statement(
    engine: AsyncEngine,
) -> None:
    query = BinaryQuery(
        select(T.n)
        .where(T.kind == literal("odd", Text, literal_execute=True))
        .where(T.n.in_(bindparam("ns", [1, 2, 3], expanding=True, literal_execute=True)))
        .order_by(T.n)
    )
    async with engine.connect() as conn:
        assert await query.fetch(conn) == [(1,), (3,)]


async def test_a_session_sees_its_own_transaction_and_an_update_returns_its_rows(
    engine: AsyncEngine,
) -> None:
    renamed = BinaryQuery(
        update(things)
        .where(T.id == func.any(bindparam("ids", type_=ARRAY(Uuid))))
        .values(kind="renamed")
        .returning(T.n),
        parameters=["ids"],
    )
    count = BinaryQuery(select(func.count()).where(T.kind == "renamed"))
    async with make_sessionmaker(engine)() as session:
        async with session.begin():
            assert sorted(await renamed.fetch(session, {"ids": IDS[:2]})) == [(0,), (1,)]
            assert await count.fetch(session) == [(2,)]
            await session.rollback()
        assert await count.fetch(session) == [(0,)]


async def test_a_parameter_without_a_value_is_refused_before_anything_runs(
    engine: AsyncEngine,
) -> None:
    query = BinaryQuery(
        select(T.n).limit(bindparam("limit", type_=BigInteger)), parameters=("limit",)
    )
    async with engine.connect() as conn:
        with pytest.raises(TypeError, match="no value for limit"):
            await query.fetch(conn, {})
