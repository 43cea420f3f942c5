"""Local infrastructure for development and tests: PostgreSQL, Kafka and Redis in `.state/`.

`python -m deploy.infra up|down|status`; tests and tools call `ensure_up()`.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from deploy import kafka_broker, postgres, redis_server
from deploy._proc import listener_pid, state_root
from svckit.vocabulary import TOPIC_PARTITIONS

SERVICE_DATABASES = {"user": "users", "movie": "movies", "cinema": "cinema", "booking": "booking"}
TOPICS: dict[str, int] = {str(topic): partitions for topic, partitions in TOPIC_PARTITIONS.items()}
"""Topic -> partitions: the contract's topics, created by the launcher, compose and k8s."""
DATABASE_URL_VARS = tuple(f"{service.upper()}_DATABASE_URL" for service in SERVICE_DATABASES)
OVERRIDE_VARS = ("KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", *DATABASE_URL_VARS)


@dataclass(frozen=True)
class Endpoints:
    """Where the running infrastructure answers."""

    postgres_dsn_base: str
    kafka_bootstrap: str
    redis_url: str


@contextmanager
def _lock() -> Iterator[None]:
    """Serialise launcher runs across processes (parallel test sessions, two terminals)."""
    state_root().mkdir(exist_ok=True)
    with (state_root() / "infra.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _external_postgres_base() -> str | None:
    """The server of the `*_DATABASE_URL` overrides when all are set, as `postgresql://...`."""
    if not all(os.environ.get(var) for var in DATABASE_URL_VARS):
        return None
    url = urlsplit(os.environ[DATABASE_URL_VARS[0]])
    return f"{url.scheme.split('+', 1)[0]}://{url.netloc}"


def _ensure_postgres() -> str:
    external = _external_postgres_base()
    if external is not None:
        return external
    base = postgres.ensure()
    postgres.create_databases(SERVICE_DATABASES.values())
    return base


def _ensure_kafka() -> str:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or kafka_broker.ensure()
    kafka_broker.ensure_topics(bootstrap, TOPICS)
    return bootstrap


def _ensure_redis() -> str:
    return os.environ.get("REDIS_URL") or redis_server.ensure()


def ensure_up() -> Endpoints:
    """Start whatever is not running yet (skipping what env overrides provide); idempotent."""
    with _lock(), ThreadPoolExecutor(max_workers=3) as pool:
        pg = pool.submit(_ensure_postgres)
        kafka = pool.submit(_ensure_kafka)
        redis = pool.submit(_ensure_redis)
        return Endpoints(pg.result(), kafka.result(), redis.result())


def down() -> None:
    """Stop everything this launcher started; leaves no process behind."""
    stops = (postgres.stop, kafka_broker.stop, redis_server.stop)
    with _lock(), ThreadPoolExecutor(max_workers=len(stops)) as pool:
        for future in [pool.submit(stop) for stop in stops]:
            future.result()


def create_database(name: str, *, drop_first: bool = False) -> str:
    """Create database `name` if missing (dropping it first if asked); return its DSN."""
    base = _external_postgres_base() or postgres.dsn_base()
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if drop_first:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{base}/{name}"


def status() -> list[str]:
    """One line per component: whether it answers, who listens on its port, its address."""

    def line(name: str, up: bool, port: int, ours: int | None, address: str) -> str:
        pid = listener_pid(port)
        owner = "" if pid is None else f"pid {pid}" + ("" if pid == ours else " (not ours)")
        return f"{name:<9} {'running' if up else 'stopped':<8} {owner:<22} {address}"

    return [
        line(
            "postgres",
            postgres.ready(),
            postgres.port(),
            postgres.postmaster_pid(),
            postgres.dsn_base(),
        ),
        line(
            "kafka",
            kafka_broker.answers(),
            kafka_broker.port(),
            kafka_broker.broker_pid(),
            kafka_broker.bootstrap(),
        ),
        line(
            "redis",
            redis_server.answers(),
            redis_server.port(),
            redis_server.server_pid(),
            redis_server.url(),
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.infra", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status"])
    command = parser.parse_args(argv).command
    started = time.monotonic()
    if command == "up":
        endpoints = ensure_up()
        databases = sorted(SERVICE_DATABASES.values())
        print(f"postgres  {endpoints.postgres_dsn_base}  databases: {databases}")
        print(f"kafka     {endpoints.kafka_bootstrap}  topics: {sorted(TOPICS)}")
        print(f"redis     {endpoints.redis_url}")
        print(f"up in {time.monotonic() - started:.1f}s; state and logs in {state_root()}")
    elif command == "down":
        down()
        print(f"down in {time.monotonic() - started:.1f}s")
    else:
        print("\n".join(status()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
