"""bench.cpu against the real PostgreSQL: a backend that ends between two snapshots still
counts, under `postgres:ended` (it used to be lost, so a pool that opened and closed
connections under load looked cheaper to the database than it was)."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bench.cpu import ENDED_BACKENDS, ProcessCpu, cpu_seconds
from deploy import infra
from tests.conftest import scratch_database


def wait_until_gone(pid: int, timeout: float = 10.0) -> None:
    """Until the process has ended and been reaped (its /proc entry goes with the reaping)."""
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists():
        assert time.monotonic() < deadline, f"backend {pid} still there"
        time.sleep(0.01)


def test_a_backend_that_ended_between_snapshots_counts(endpoints: infra.Endpoints) -> None:
    dsn = scratch_database("bench_cpu")
    cpu = ProcessCpu({}, {"postgres:bench_cpu": urlsplit(dsn).path.lstrip("/")}, kafka=False)
    before = cpu.snapshot()
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT count(*) FROM generate_series(1, 3000000)")
        worked = cpu_seconds(before, cpu.snapshot())["postgres:bench_cpu"]
        backend = conn.info.backend_pid
    wait_until_gone(backend)
    used = cpu_seconds(before, cpu.snapshot())
    assert worked > 0
    assert used[ENDED_BACKENDS] >= worked
    assert used["postgres:bench_cpu"] == 0
