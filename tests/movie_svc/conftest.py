"""movie_svc against a real, freshly migrated PostgreSQL database, and over real gRPC."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cinemapb.movie.v1 import movie_pb2_grpc
from deploy import infra
from movie_svc.catalogue import Catalogue
from movie_svc.grpc_api import AUDITED_ENTITIES, MovieServiceServicer
from movie_svc.models import audit_log
from svckit.audit import AuditTrail
from svckit.db import make_engine, make_sessionmaker
from svckit.grpc_server import interceptors
from svckit.migrations import upgrade_to_head
from tests.conftest import scratch_database
from tests.identity import TEST_JWT

MIGRATIONS = Path(__file__).resolve().parents[2] / "movie_svc" / "migrations"


@pytest.fixture(scope="session")
def movie_dsn(endpoints: infra.Endpoints) -> str:
    dsn = scratch_database("movie_svc")
    upgrade_to_head(MIGRATIONS, dsn)
    return dsn


@pytest.fixture(scope="session")
async def engine(movie_dsn: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(movie_dsn, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def empty_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine on a database with no genres and no movies."""
    async with engine.begin() as conn:
        await conn.execute(
            text("TRUNCATE movie_genres, movies, genres, audit_log RESTART IDENTITY")
        )
    return engine


@pytest.fixture
def catalogue(empty_engine: AsyncEngine) -> Catalogue:
    return Catalogue(
        make_sessionmaker(empty_engine), AuditTrail(audit_log, AUDITED_ENTITIES, actor=lambda: 1)
    )


@pytest.fixture(scope="session")
async def movie_server(engine: AsyncEngine) -> AsyncIterator[str]:
    """MovieService served in-process with the same interceptors as production."""
    server = grpc.aio.server(interceptors=interceptors(TEST_JWT))
    movie_pb2_grpc.add_MovieServiceServicer_to_server(MovieServiceServicer(engine), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(None)


@pytest.fixture
async def stub(
    movie_server: str, empty_engine: AsyncEngine
) -> AsyncIterator[movie_pb2_grpc.MovieServiceAsyncStub]:
    async with grpc.aio.insecure_channel(movie_server) as channel:
        yield movie_pb2_grpc.MovieServiceStub(channel)
