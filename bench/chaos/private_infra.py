"""PostgreSQL, Kafka and Redis of the chaos run's own, in `.state/chaos` on shifted ports.

The faults kill and restart these, so they must never be the shared ones: the launchers read
CINEMA_STATE_DIR and CINEMA_INFRA_PORT_OFFSET, which this module sets for the whole process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from deploy import kafka_broker, postgres, redis_server
from deploy._proc import PORT_OFFSET_VAR, STATE_DIR, STATE_DIR_VAR, port_offset, state_root
from deploy.infra import DATABASE_URL_VARS, SERVICE_DATABASES, Endpoints

STATE = STATE_DIR / "chaos"
PORT_OFFSET = 10000
"""PostgreSQL on 25432, Kafka on 29092 (controller 29093), Redis on 26379."""


def assert_private() -> None:
    """Refuses to go on unless the launchers point at the private state folder and ports."""
    if state_root() == STATE_DIR or port_offset() == 0:
        raise RuntimeError("refusing to touch the shared infrastructure")


@contextmanager
def private_infrastructure() -> Iterator[Endpoints]:
    """Starts the private servers for the block (reusing their state), then stops them."""
    os.environ[STATE_DIR_VAR] = str(STATE)
    os.environ[PORT_OFFSET_VAR] = str(PORT_OFFSET)
    assert_private()
    with ThreadPoolExecutor(max_workers=3) as pool:
        pg = pool.submit(postgres.ensure)
        kafka = pool.submit(kafka_broker.ensure)
        redis = pool.submit(redis_server.ensure)
        endpoints = Endpoints(pg.result(), kafka.result(), redis.result())
    # deploy.infra.create_database (used by isolated_env) follows these to the private server
    for var, database in zip(DATABASE_URL_VARS, SERVICE_DATABASES.values(), strict=True):
        os.environ[var] = f"{endpoints.postgres_dsn_base}/{database}"
    try:
        yield endpoints
    finally:
        assert_private()
        with ThreadPoolExecutor(max_workers=3) as pool:
            stops = [
                pool.submit(stop) for stop in (postgres.stop, kafka_broker.stop, redis_server.stop)
            ]
            for future in stops:
                future.result()
