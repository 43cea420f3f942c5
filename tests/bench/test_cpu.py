"""bench.cpu against the real PostgreSQL: a backend that ends between two snapshots still
counts, under `postgres:ended` (it used to be lost, so a pool that opened and closed
connections under load looked cheaper to the database than it was)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from bench.cpu import ENDED_BACKENDS, ProcessCpu, cpu_seconds
from deploy import infra
from tests.conftest import scratch_database
from tests.helpers import poll


def test_a_backend_that_ended_between_snapshots_counts(endpoints: infra.Endpoints) -> None:
    dsn = scratch_database("bench_cpu")
    cpu = ProcessCpu({}, {"postgres:bench_cpu": urlsplit(dsn).path.lstrip("/")}, kafka=False)
    before = cpu.snapshot()
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT count(*) FROM generate_series(1, 3000000)")
        worked = cpu_seconds(before, cpu.snapshot())["postgres:bench_cpu"]
        backend = conn.info.backend_pid
    assert poll(lambda: not Path(f"/proc/{backend}").exists(), timeout=10), "not reaped"
    used = cpu_seconds(before, cpu.snapshot())
    assert worked > 0
    assert used[ENDED_BACKENDS] >= worked
    assert used["postgres:bench_cpu"] == 0
