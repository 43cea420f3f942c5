"""`ensure_up()` is idempotent and brings back whatever died, restarting nothing else."""

from __future__ import annotations

import os
import signal
import time

import psycopg
import pytest

from deploy import kafka_broker, postgres, redis_server
from deploy._proc import is_running, listener_pid, wait_for
from deploy.infra import OVERRIDE_VARS, Endpoints, ensure_up

pytestmark = [
    pytest.mark.skipif(
        any(os.environ.get(var) for var in OVERRIDE_VARS),
        reason="infrastructure is provided from outside, not started by the launcher",
    ),
    pytest.mark.exclusive,
]


def _pids() -> dict[str, int | None]:
    """The pid serving each port, whichever checkout (a dev tree, a CI clone) started it."""
    return {
        "postgres": listener_pid(postgres.PORT),
        "kafka": listener_pid(kafka_broker.PORT),
        "redis": listener_pid(redis_server.PORT),
    }


def _kill(pid: int | None) -> int:
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: not is_running(pid), 10)
    return pid


def test_ensure_up_again_is_quick_and_restarts_nothing(infra: Endpoints) -> None:
    before = _pids()
    assert None not in before.values()
    started = time.monotonic()
    assert ensure_up() == infra
    assert ensure_up() == infra
    assert time.monotonic() - started < 10
    assert _pids() == before


def test_ensure_up_restarts_a_killed_kafka_broker(infra: Endpoints) -> None:
    before = _pids()
    killed = _kill(before["kafka"])

    assert ensure_up() == infra

    after = _pids()
    assert after["kafka"] not in (None, killed)
    assert after | {"kafka": killed} == before
    assert kafka_broker.answers(infra.kafka_bootstrap)


def test_ensure_up_restarts_a_killed_postgres(infra: Endpoints) -> None:
    before = _pids()
    killed = _kill(before["postgres"])

    assert ensure_up() == infra

    after = _pids()
    assert after["postgres"] not in (None, killed)
    assert after | {"postgres": killed} == before
    with psycopg.connect(f"{infra.postgres_dsn_base}/booking") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_ensure_up_restarts_a_killed_redis(infra: Endpoints) -> None:
    before = _pids()
    killed = _kill(before["redis"])

    assert ensure_up() == infra

    after = _pids()
    assert after["redis"] not in (None, killed)
    assert after | {"redis": killed} == before
    assert redis_server.answers(infra.redis_url)
