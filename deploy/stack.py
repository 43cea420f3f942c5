"""Starts and supervises the four services and the gateway as child processes."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import httpx
from confluent_kafka.admin import AdminClient

from deploy.infra import SERVICE_DATABASES, TOPICS, Endpoints, create_database
from deploy.kafka_broker import ensure_topics

SERVICES = ("user_svc", "movie_svc", "cinema_svc", "booking_svc")
PROCESSES = (*SERVICES, "gateway")
ROOT = Path(__file__).resolve().parent.parent
DIE_WITH_PARENT = ("setpriv", "--pdeathsig", "TERM", "--")
"""Prefixes a child's command: the kernel sends it SIGTERM if the supervisor dies.

util-linux's setpriv sets the signal and execs the process, so no Python code runs between
fork and exec. A `preexec_fn` did, and in a supervisor with gRPC threads busy (the tests call
services directly) one to three children in 300 ran gRPC's fork handling there and aborted
(SIGABRT, "epoll_wait error: Bad file descriptor") before they were services at all."""


class Stack:
    """The application processes; output goes to one stream with a name prefix, or to files."""

    def __init__(self, env: Mapping[str, str], *, log_dir: Path | None = None) -> None:
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._pumps: list[threading.Thread] = []

    def start(self, name: str, overrides: Mapping[str, str] | None = None) -> None:
        """Starts one process; `overrides` change its settings for this start only."""
        process = subprocess.Popen(
            [*DIE_WITH_PARENT, sys.executable, "-m", name],
            cwd=ROOT,
            env={**self.env, **(overrides or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        sink: IO[str]
        if self.log_dir is None:
            sink = sys.stdout
        else:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            sink = (self.log_dir / f"{name}.log").open("a", encoding="utf-8")
        pump = threading.Thread(target=_pump, args=(process, name, sink), daemon=True)
        pump.start()
        self._pumps.append(pump)

    def restart(self, name: str) -> None:
        """Starts again a process that exited."""
        self.processes.pop(name, None)
        self.start(name)

    def start_all(self) -> None:
        for name in PROCESSES:
            self.start(name)

    def stop(self, *names: str, timeout: float = 10.0) -> None:
        """Stops these processes together: SIGTERM to each, then each is waited for, and
        killed if it has not ended `timeout` seconds after the signal."""
        stopping = [
            process
            for name in names
            if (process := self.processes.pop(name, None)) is not None and process.poll() is None
        ]
        for process in stopping:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in stopping:
            try:
                process.wait(max(deadline - time.monotonic(), 0.0))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)

    def exited(self) -> dict[str, int]:
        """Processes that ended on their own, with their exit codes."""
        return {
            name: code
            for name, process in self.processes.items()
            if (code := process.poll()) is not None
        }

    def wait_healthy(self, gateway_url: str, timeout: float = 90.0) -> None:
        """Waits until the gateway reports every service SERVING."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if dead := self.exited():
                raise RuntimeError(f"processes exited during start-up: {dead}")
            try:
                response = httpx.get(f"{gateway_url}/healthz", timeout=2.0)
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as error:
                last = str(error)
            time.sleep(0.3)
        raise TimeoutError(f"stack not healthy after {timeout:.0f}s: {last}")


def _pump(process: subprocess.Popen[bytes], name: str, sink: IO[str]) -> None:
    assert process.stdout is not None
    prefix = f"{name:<12}| " if sink is sys.stdout else ""
    for raw in process.stdout:
        sink.write(prefix + raw.decode(errors="replace"))
        sink.flush()


def isolated_env(
    endpoints: Endpoints, *, name: str, port_base: int, gateway_port: int
) -> dict[str, str]:
    """Settings for a stack of its own: fresh databases `<name>_<db>`, own ports and topics.

    Used by tests and benchmarks so they never touch the data of `make run`. Pick
    `port_base` below 32768: higher ports are handed out to outgoing connections and may be
    taken (even in TIME_WAIT) when a service starts.
    """
    prefix = f"{name}-{uuid.uuid4().hex[:8]}."
    ensure_topics(endpoints.kafka_bootstrap, {prefix + t: n for t, n in TOPICS.items()})
    env = {
        f"{service.upper()}_DATABASE_URL": create_database(f"{name}_{db}", drop_first=True)
        for service, db in SERVICE_DATABASES.items()
    }
    env |= {f"{svc.upper()}_ADDR": f"127.0.0.1:{port_base + i}" for i, svc in enumerate(SERVICES)}
    env |= {
        f"{process.upper()}_METRICS_PORT": str(port_base + len(SERVICES) + i)
        for i, process in enumerate(PROCESSES)
    }
    env |= {
        "GATEWAY_PORT": str(gateway_port),
        "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "JWT_SECRET": secrets.token_urlsafe(32),
    }
    return env


def delete_topics(env: Mapping[str, str]) -> None:
    """Removes the topics an isolated stack created."""
    prefix = env["KAFKA_TOPIC_PREFIX"]
    admin = AdminClient({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"]})
    admin.delete_topics([prefix + topic for topic in TOPICS])
