"""bench.cpu against the real PostgreSQL: a backend that ends between two snapshots still
counts, under `postgres:ended` (it used to be lost, so a pool that opened and closed
connections under load looked cheaper to the database than it was)."""

from __future__ import annotations

import psycopg

from bench.cpu import ENDED_BACKENDS, ProcessCpu, cpu_seconds
from deploy import infra
from tests.conftest import SLOT


def test_a_backend_that_ended_between_snapshots_counts(endpoints: infra.Endpoints) -> None:
    dsn = infra.create_database(f"test{SLOT or ''}_bench_cpu", drop_first=True)
    cpu = ProcessCpu({}, {"postgres:bench_cpu": f"test{SLOT or ''}_bench_cpu"}, kafka=False)
    before = cpu.snapshot()
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT count(*) FROM generate_series(1, 3000000)")
    used = cpu_seconds(before, cpu.snapshot())
    assert used[ENDED_BACKENDS] >= 0.05
    assert used["postgres:bench_cpu"] == 0
