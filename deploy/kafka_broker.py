"""A real Apache Kafka broker (KRaft, broker+controller in one JVM) on 127.0.0.1:19092.

CINEMA_STATE_DIR and CINEMA_INFRA_PORT_OFFSET (deploy/_proc.py) move it elsewhere.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from deploy._proc import (
    ROOT,
    STATE_DIR,
    InfraError,
    cmdline,
    is_running,
    port_offset,
    port_open,
    read_pid,
    require_command,
    spawn_detached,
    state_dir,
    stop_process,
    tail,
    wait_for,
)

HOST = "127.0.0.1"
PORT = 19092
CONTROLLER_PORT = 19093
BOOTSTRAP = f"{HOST}:{PORT}"
"""The default bootstrap; `bootstrap()` is the one of this process's broker."""
LIBS_GLOB = "kafka_2.13-*.jar"
START_TIMEOUT = 60.0
POM = ROOT / "deploy" / "kafka" / "pom.xml"
LOG4J_CONFIG = ROOT / "deploy" / "kafka" / "log4j2.xml"


def port() -> int:
    return PORT + port_offset()


def controller_port() -> int:
    return CONTROLLER_PORT + port_offset()


def bootstrap() -> str:
    return f"{HOST}:{port()}"


def _home() -> Path:
    return state_dir("kafka")


def _server_properties(data: Path) -> str:
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "listeners": f"PLAINTEXT://{HOST}:{port()},CONTROLLER://{HOST}:{controller_port()}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port()}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "controller.quorum.bootstrap.servers": f"{HOST}:{controller_port()}",
        "log.dirs": str(data),
        "num.partitions": "1",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # After a crash the controller refuses the broker's new registration until the old
        # session expires: 9 s by default, which every unclean restart would wait out.
        "broker.heartbeat.interval.ms": "1000",
        "broker.session.timeout.ms": "4000",
        "num.network.threads": "2",
        "num.io.threads": "2",
        "log.cleaner.dedupe.buffer.size": "16777216",
    }
    return "".join(f"{key}={value}\n" for key, value in props.items())


def _ensure_libs() -> Path:
    """Resolve the broker's jars from Maven Central into `.state/kafka/libs` once.

    Another state folder links to the jars of `.state` when those are there.
    """
    libs = _home() / "libs"
    if any(libs.glob(LIBS_GLOB)):
        return libs
    shared = STATE_DIR / "kafka" / "libs"
    if libs.is_symlink():
        libs.unlink()
    if shared.resolve() != libs.resolve() and any(shared.glob(LIBS_GLOB)):
        shutil.rmtree(libs, ignore_errors=True)
        libs.symlink_to(shared.resolve(), target_is_directory=True)
        return libs
    require_command("java", "default-jre-headless")
    mvn = require_command("mvn", "maven")
    scratch = _home() / "libs.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(libs, ignore_errors=True)
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(POM), "package", f"-Dlibs.dir={scratch}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InfraError(f"maven could not resolve Kafka:\n{result.stdout}\n{result.stderr}")
    scratch.rename(libs)
    return libs


def _java_argv(libs: Path, main: str, *args: str) -> list[str]:
    return [
        require_command("java", "default-jre-headless"),
        "-Xms256m",
        "-Xmx512m",
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        f"-Dkafka.logs.dir={_home()}",
        "-cp",
        f"{libs}/*",
        main,
        *args,
    ]


def _format(libs: Path, properties: Path, data: Path) -> None:
    """Format the KRaft storage unless it already is (it holds meta.properties)."""
    if (data / "meta.properties").exists():
        return
    shutil.rmtree(data, ignore_errors=True)
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    argv = _java_argv(libs, "kafka.tools.StorageTool", "format", "-t", cluster_id)
    result = subprocess.run(
        [*argv, "-c", str(properties), "--standalone"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InfraError(f"Kafka storage format failed:\n{result.stdout}\n{result.stderr}")


def answers(address: str | None = None, timeout: float = 2.0) -> bool:
    """Whether a Kafka broker at `address` (by default ours) answers a metadata request."""
    admin = AdminClient({"bootstrap.servers": address or bootstrap(), "log_level": 0})
    try:
        admin.list_topics(timeout=timeout)
    except KafkaException:
        return False
    return True


def broker_pid() -> int | None:
    """The pid of the broker this launcher started, when it is still running."""
    pid = read_pid(_home() / "kafka.pid")
    if pid is None or not is_running(pid) or "kafka.Kafka" not in cmdline(pid):
        return None
    return pid


def ensure() -> str:
    """Start the broker unless ours (or any on its port) answers; return the bootstrap."""
    pid = broker_pid()
    if pid is not None:
        if wait_for(lambda: answers(timeout=1), START_TIMEOUT, interval=0.5):
            return bootstrap()
        stop_process(pid, grace=10)
    elif port_open(port()) and answers():
        return bootstrap()
    _start()
    return bootstrap()


def _start() -> None:
    home = _home()
    libs = _ensure_libs()
    data = home / "data"
    properties = home / "server.properties"
    properties.write_text(_server_properties(data))
    _format(libs, properties, data)
    out = home / "kafka.out"
    pid = spawn_detached(_java_argv(libs, "kafka.Kafka", str(properties)), out, cwd=home)
    (home / "kafka.pid").write_text(f"{pid}\n")
    deadline = time.monotonic() + START_TIMEOUT
    while not answers(timeout=1):
        if not is_running(pid) or time.monotonic() > deadline:
            stop_process(pid, grace=5)
            server_log = tail(home / "server.log")
            raise InfraError(f"Kafka did not start:\n{tail(out)}\n--- server.log ---\n{server_log}")
        time.sleep(0.5)


def stop() -> None:
    """Stop the broker we started (controlled shutdown, SIGKILL after 30 s)."""
    pid = broker_pid()
    if pid is not None:
        stop_process(pid, grace=30)
    (_home() / "kafka.pid").unlink(missing_ok=True)


def ensure_topics(bootstrap: str, topics: Mapping[str, int], timeout: float = 60.0) -> None:
    """Create missing topics (existing ones are left alone), then wait for every leader."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    existing = admin.list_topics(timeout=10).topics
    for name, partitions in topics.items():
        if name in existing and len(existing[name].partitions) < partitions:
            have = len(existing[name].partitions)
            raise InfraError(f"topic {name} has {have} partitions, not {partitions}; delete it")
    missing = [
        NewTopic(name, num_partitions=partitions, replication_factor=1)
        for name, partitions in topics.items()
        if name not in existing
    ]
    if missing:
        for name, future in admin.create_topics(missing, request_timeout=30).items():
            try:
                future.result()
            except KafkaException as exc:
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise InfraError(f"could not create topic {name}: {exc}") from exc
    if not wait_for(lambda: _all_led(admin, topics), timeout, interval=0.2):
        raise InfraError(f"topics {sorted(topics)} have partitions without a leader")


def _all_led(admin: AdminClient, topics: Mapping[str, int]) -> bool:
    """Whether every topic exists with at least its partitions, each having a leader."""
    metadata = admin.list_topics(timeout=10).topics
    for name, partitions in topics.items():
        topic = metadata.get(name)
        if topic is None or topic.error is not None or len(topic.partitions) < partitions:
            return False
        if any(p.leader < 0 or p.error is not None for p in topic.partitions.values()):
            return False
    return True
