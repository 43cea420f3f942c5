"""docker-compose.yml: valid for docker-compose, in step with the code and the local launcher."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from deploy.infra import TOPICS
from deploy.redis_server import REDIS_MEMORY_CAP
from deploy.stack import PROCESSES, SERVICES
from tests.deploy.code_facts import (
    IMAGE,
    ROOT,
    addr_setting,
    command,
    default_port,
    host_name,
    metrics_port,
    needs_in_container,
    peers,
    reads,
    topics_created_by,
)

COMPOSE_FILE = ROOT / "docker-compose.yml"
TEST_SECRET = "compose-test-secret-0123456789abcdef"
KAFKA = "KAFKA_BOOTSTRAP_SERVERS"
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}|\$\$")


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME:?error} and $$, as docker-compose reads them."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name", "op", "arg")
        value = env.get(name)
        if op in (":-", "-") and (value is None or (op == ":-" and value == "")):
            return str(arg)
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise LookupError(f"{name}: {arg}")
        return value or ""

    return VARIABLE.sub(substitute, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    found = compose["services"]
    assert isinstance(found, dict)
    return found


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's environment with the variables a user would give (only JWT_SECRET here)."""
    raw = service.get("environment", {})
    assert isinstance(raw, dict), "environment is written as a mapping"
    return {str(k): interpolate(str(v), {"JWT_SECRET": TEST_SECRET}) for k, v in raw.items()}


def healthcheck_test(service: Mapping[str, Any]) -> list[str]:
    test = service["healthcheck"]["test"]
    assert isinstance(test, list)
    return [str(part) for part in test]


def run_docker_compose(
    *args: str, env: Mapping[str, str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """Runs docker-compose on the file with an empty .env, so a developer's .env cannot leak in."""
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("the docker-compose binary is missing (Debian package docker-compose)")
    env_file = tmp_path / "empty.env"
    env_file.touch()
    options = ["--env-file", str(env_file), "--project-directory", str(ROOT)]
    return subprocess.run(
        [binary, *options, "-f", str(COMPOSE_FILE), *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def base_env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if k != "JWT_SECRET" and not k.startswith("COMPOSE")
    }


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    env = base_env() | {"JWT_SECRET": TEST_SECRET}
    result = run_docker_compose("config", "-q", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_docker_compose_refuses_to_start_without_a_jwt_secret(tmp_path: Path) -> None:
    result = run_docker_compose("config", "-q", env=base_env(), tmp_path=tmp_path)
    assert result.returncode != 0
    assert "JWT_SECRET" in result.stderr


def test_every_process_runs_from_the_one_image_by_its_command(services: dict[str, Any]) -> None:
    for process in PROCESSES:
        service = services[host_name(process)]
        assert service["image"] == IMAGE
        assert service["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
        assert service["command"] == command(process)
    built = {name for name, service in services.items() if "build" in service}
    assert built == {host_name(p) for p in PROCESSES}


@pytest.mark.parametrize("process", PROCESSES)
def test_every_setting_a_process_needs_in_a_container_is_given(
    services: dict[str, Any], process: str
) -> None:
    given = environment(services[host_name(process)])
    missing = needs_in_container(process) - given.keys()
    assert not missing, f"{process} needs {sorted(missing)} in docker-compose.yml"


@pytest.mark.parametrize("process", PROCESSES)
def test_processes_are_given_only_settings_their_code_reads(
    services: dict[str, Any], process: str
) -> None:
    unknown = environment(services[host_name(process)]).keys() - reads(process)
    assert not unknown, f"{process} does not read {sorted(unknown)}"


@pytest.mark.parametrize("process", PROCESSES)
def test_services_listen_on_all_interfaces_and_call_their_peers_by_service_name(
    services: dict[str, Any], process: str
) -> None:
    env = environment(services[host_name(process)])
    if process in SERVICES:
        assert env[addr_setting(process)] == f"0.0.0.0:{default_port(process)}"
    for peer in peers(process):
        assert env[addr_setting(peer)] == f"{host_name(peer)}:{default_port(peer)}"
        assert host_name(peer) in services


@pytest.mark.parametrize("service", SERVICES)
def test_services_report_grpc_health_on_their_port(services: dict[str, Any], service: str) -> None:
    port = default_port(service)
    assert healthcheck_test(services[host_name(service)]) == [
        "CMD",
        *command("svckit.healthcheck"),
        f"127.0.0.1:{port}",
    ]


@pytest.mark.parametrize("process", PROCESSES)
def test_processes_announce_their_metrics_port_to_prometheus(
    services: dict[str, Any], process: str
) -> None:
    service = services[host_name(process)]
    port = metrics_port(process)
    assert service["labels"] == {
        "prometheus.io/scrape": "true",
        "prometheus.io/path": "/metrics",
        "prometheus.io/port": str(port),
    }
    assert service["expose"] == [str(port)]
    assert str(environment(service).get(f"{process.upper()}_METRICS_PORT", port)) == str(port)
    published = [str(mapping).rsplit(":", 1)[-1] for mapping in service.get("ports", [])]
    assert str(port) not in published, "metrics stay inside the compose network"


def test_the_gateway_listens_on_all_interfaces_and_is_published_on_8000(
    services: dict[str, Any],
) -> None:
    gateway = services["gateway"]
    env = environment(gateway)
    port = default_port("gateway")
    assert env["GATEWAY_HOST"] == "0.0.0.0"
    assert int(env.get("GATEWAY_PORT", port)) == port == 8000
    assert gateway["ports"] == [f"{port}:{port}"]
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(healthcheck_test(gateway))


def test_the_gateway_starts_after_every_service_is_healthy(services: dict[str, Any]) -> None:
    depends_on = services["gateway"]["depends_on"]
    for service in SERVICES:
        assert depends_on[host_name(service)] == {"condition": "service_healthy"}
    redis_host = urlsplit(environment(services["gateway"])["REDIS_URL"]).hostname
    assert depends_on[redis_host] == {"condition": "service_healthy"}
    assert "redis-cli" in healthcheck_test(services[str(redis_host)])


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_its_own_healthy_postgresql_database(
    compose: dict[str, Any], services: dict[str, Any], service: str
) -> None:
    app = services[host_name(service)]
    url_setting = next(name for name in reads(service) if name.endswith("_DATABASE_URL"))
    url = urlsplit(environment(app)[url_setting])
    database = services[str(url.hostname)]
    db_env = environment(database)
    assert database["image"] == "postgres:16-alpine"
    assert "pg_isready" in " ".join(healthcheck_test(database))
    assert app["depends_on"][url.hostname] == {"condition": "service_healthy"}
    assert url.path == f"/{db_env['POSTGRES_DB']}"
    assert (url.username, url.password) == (db_env["POSTGRES_USER"], db_env["POSTGRES_PASSWORD"])
    assert url.port == 5432
    volume, mount = database["volumes"][0].split(":")
    assert volume in compose["volumes"]
    assert mount == "/var/lib/postgresql/data"


def test_no_two_services_share_a_database_server(services: dict[str, Any]) -> None:
    hosts = [
        urlsplit(value).hostname
        for service in SERVICES
        for name, value in environment(services[host_name(service)]).items()
        if name.endswith("_DATABASE_URL")
    ]
    assert len(hosts) == len(set(hosts)) == len(SERVICES)


@pytest.mark.parametrize("process", [p for p in PROCESSES if KAFKA in reads(p)])
def test_processes_that_use_kafka_wait_for_their_topics(
    services: dict[str, Any], process: str
) -> None:
    depends_on = services[host_name(process)]["depends_on"]
    assert depends_on["kafka-init"] == {"condition": "service_completed_successfully"}


def test_kafka_runs_in_kraft_mode_at_the_address_the_processes_use(
    services: dict[str, Any],
) -> None:
    kafka = services["kafka"]
    env = environment(kafka)
    bootstrap = environment(services["gateway"])[KAFKA]
    assert kafka["image"].startswith("apache/kafka:")
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert f"PLAINTEXT://{bootstrap}" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert str(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == "1"
    assert "kafka-broker-api-versions.sh" in " ".join(healthcheck_test(kafka))
    assert all(
        environment(services[host_name(p)])[KAFKA] == bootstrap
        for p in PROCESSES
        if KAFKA in reads(p)
    )


def test_kafka_init_creates_the_topics_of_the_local_launcher(services: dict[str, Any]) -> None:
    init = services["kafka-init"]
    assert init["image"] == services["kafka"]["image"]
    assert init["depends_on"]["kafka"] == {"condition": "service_healthy"}
    script = interpolate(init["command"][-1], {})
    assert topics_created_by(script) == TOPICS
    assert "--bootstrap-server kafka:9092" in script


@pytest.mark.parametrize("process", PROCESSES)
def test_every_process_takes_the_jwt_secret_from_the_environment_with_no_default(
    process: str, services: dict[str, Any]
) -> None:
    raw = services[host_name(process)]["environment"]["JWT_SECRET"]
    assert re.fullmatch(r"\$\{JWT_SECRET:\?[^}]+\}", raw), raw
    with pytest.raises(LookupError, match="JWT_SECRET"):
        interpolate(raw, {})


def test_redis_has_a_memory_cap_and_evicts_the_least_recently_used_keys(
    services: dict[str, Any],
) -> None:
    redis_host = urlsplit(environment(services["gateway"])["REDIS_URL"]).hostname
    command_line = " ".join(services[str(redis_host)]["command"])
    assert " ".join(REDIS_MEMORY_CAP) in command_line
