"""Where the tests' PostgreSQL, Kafka and Redis come from: Docker containers or the local launcher.

`CINEMA_TEST_INFRA=containers` starts them with testcontainers, `CINEMA_TEST_INFRA=local` uses
deploy/infra.py's launcher (`.state/`, or the servers the environment names); unset, containers
when a Docker engine answers, else the launcher. Either way the tests get `infra.Endpoints`:
the containers are handed to the launcher as the environment overrides it already honours.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Literal

import pytest
from testcontainers.community.kafka import KafkaContainer
from testcontainers.community.postgres import PostgresContainer
from testcontainers.community.redis import RedisContainer
from testcontainers.core.docker_client import DockerClient

from deploy import infra

log = logging.getLogger(__name__)

CHOICE_VARIABLE = "CINEMA_TEST_INFRA"
Source = Literal["containers", "local"]
POSTGRES_IMAGE = "postgres:16-alpine"
KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.0"
REDIS_IMAGE = "redis:7-alpine"


def infra_source(env: Mapping[str, str], docker_answers: Callable[[], bool]) -> Source:
    """Containers or the local launcher, from CINEMA_TEST_INFRA (unset or `auto`: ask Docker)."""
    choice = env.get(CHOICE_VARIABLE) or "auto"
    if choice == "containers":
        return "containers"
    if choice == "local":
        return "local"
    if choice != "auto":
        raise ValueError(f"{CHOICE_VARIABLE} is containers, local or auto, not {choice!r}")
    return "containers" if docker_answers() else "local"


def docker_answers() -> bool:
    """Whether a Docker engine (DOCKER_HOST or the default socket) answers a ping."""
    try:
        return bool(DockerClient().client.ping())
    except Exception as error:  # no socket, no permission, no engine: all mean "no Docker"
        log.debug("no Docker engine: %s", error)
        return False


@contextmanager
def containers() -> Iterator[dict[str, str]]:
    """Runs PostgreSQL, Kafka (KRaft) and Redis containers; yields the overrides naming them."""
    with (
        PostgresContainer(POSTGRES_IMAGE, username="cinema", password="cinema", driver=None) as pg,
        KafkaContainer(KAFKA_IMAGE).with_kraft() as kafka,
        RedisContainer(REDIS_IMAGE) as redis,
    ):
        server = pg.get_connection_url().rsplit("/", 1)[0]
        overrides = {
            var: f"{server}/{database}"
            for var, database in zip(
                infra.DATABASE_URL_VARS, infra.SERVICE_DATABASES.values(), strict=True
            )
        }
        redis_host = f"{redis.get_container_host_ip()}:{redis.get_exposed_port(redis.port)}"
        overrides |= {
            "KAFKA_BOOTSTRAP_SERVERS": kafka.get_bootstrap_server(),
            "REDIS_URL": f"redis://{redis_host}/0",
        }
        yield overrides


@contextmanager
def running_infrastructure() -> Iterator[infra.Endpoints]:
    """The running infrastructure for this test session, started as CINEMA_TEST_INFRA says."""
    if infra_source(os.environ, docker_answers) == "local":
        yield infra.ensure_up()
        return
    with containers() as overrides, pytest.MonkeyPatch.context() as patch:
        for name, value in overrides.items():
            patch.setenv(name, value)
        yield infra.ensure_up()
