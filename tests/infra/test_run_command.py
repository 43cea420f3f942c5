"""`make run` (python -m deploy.run) comes up, stops cleanly, and recovers from a killed run.

It is started without JWT_SECRET, as a developer would: it keeps a secret in its state folder
and every restart reuses it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from deploy import infra
from deploy._proc import state_root
from deploy.run import JWT_SECRET_FILE
from deploy.stack import delete_topics, isolated_env
from tests.conftest import LOGS
from tests.helpers import command_line

ROOT = Path(__file__).resolve().parent.parent.parent
GATEWAY_PORT = 18200
RUN_LOG = LOGS / "run-command.log"
"""What each `deploy.run` of these tests said, appended."""


@pytest.fixture(scope="module")
def run_env(endpoints: infra.Endpoints) -> Iterator[dict[str, str]]:
    env = isolated_env(endpoints, name="runcmd", port_base=24051, gateway_port=GATEWAY_PORT)
    # INFO: each process says when it serves and when it stops, in RUN_LOG
    env |= {"REDIS_URL": endpoints.redis_url.rsplit("/", 1)[0] + "/3", "LOG_LEVEL": "INFO"}
    del env["JWT_SECRET"]  # as a developer starts it: the run keeps a secret of its own
    yield env
    delete_topics(env)


def without_jwt_secret(env: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name != "JWT_SECRET"}


def kept_jwt_secret() -> str:
    return (state_root() / JWT_SECRET_FILE).read_text().strip()


def jwt_secrets_in_use(env: dict[str, str]) -> set[str]:
    """The JWT_SECRET every application process of this run was started with."""
    found = set()
    for pid in service_pids(env):
        try:
            variables = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        found |= {v.split(b"=", 1)[1].decode() for v in variables if v.startswith(b"JWT_SECRET=")}
    return found


def start_run(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`python -m deploy.run` with `env`, its output appended to RUN_LOG."""
    RUN_LOG.parent.mkdir(parents=True, exist_ok=True)
    with RUN_LOG.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "deploy.run"],
            cwd=ROOT,
            env={**without_jwt_secret(os.environ), **env, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def wait_ready(process: subprocess.Popen[bytes], timeout: float = 180.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"deploy.run exited before it was ready; see {RUN_LOG}"
        try:
            health = httpx.get(f"http://127.0.0.1:{GATEWAY_PORT}/healthz", timeout=2.0)
            movies = httpx.get(f"http://127.0.0.1:{GATEWAY_PORT}/api/movies", timeout=5.0)
            if health.status_code == 200 and movies.status_code == 200 and movies.json()["total"]:
                return dict(health.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError("deploy.run did not become ready")


def service_pids(env: dict[str, str]) -> list[int]:
    """Application processes still alive that were started with this test's settings."""
    marker = f"KAFKA_TOPIC_PREFIX={env['KAFKA_TOPIC_PREFIX']}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker in (proc / "environ").read_bytes():
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


def wait_no_processes(env: dict[str, str], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while service_pids(env) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = {pid: command_line(pid) for pid in service_pids(env)}
    assert left == {}, f"still running {timeout:.0f}s after the run ended"


def test_a_service_that_dies_while_the_run_starts_is_restarted_and_the_run_comes_up(
    run_env: dict[str, str],
) -> None:
    """movie_svc is killed the moment it appears, before it can answer: the demo catalogue's
    load, which waits for it, would otherwise wait out its timeout of minutes."""
    said_before = RUN_LOG.stat().st_size if RUN_LOG.exists() else 0
    process = start_run(run_env)
    try:
        killed = kill_when_started(run_env, "movie_svc")
        assert wait_ready(process, timeout=60)["status"] == "ok"
        said = RUN_LOG.read_bytes()[said_before:].decode()
        assert "movie_svc exited (status -9); restarting it" in said
        assert killed not in service_pids(run_env)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)


def kill_when_started(env: dict[str, str], name: str, timeout: float = 30.0) -> int:
    """SIGKILLs the run's `name` process as soon as it exists; its pid."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in service_pids(env):
            if command_line(pid).endswith(f"-m {name}"):
                os.kill(pid, signal.SIGKILL)
                return pid
        time.sleep(0.02)
    raise TimeoutError(f"{name} did not start")


def test_a_killed_run_is_run_again_with_its_secret_and_ctrl_c_stops_everything(
    run_env: dict[str, str],
) -> None:
    """The run comes up with the demo data. Killed, it leaves no process behind, and the next
    run comes up with the secret the first one kept; Ctrl-C stops that one cleanly."""
    first = start_run(run_env)
    try:
        assert wait_ready(first)["status"] == "ok"
        secret = kept_jwt_secret()
        assert jwt_secrets_in_use(run_env) == {secret}
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        wait_no_processes(run_env)
        second = start_run(run_env)
        try:
            assert wait_ready(second)["status"] == "ok"
            assert jwt_secrets_in_use(run_env) == {secret} == {kept_jwt_secret()}
            second.send_signal(signal.SIGINT)
            assert second.wait(60) == 0
            wait_no_processes(run_env)
        finally:
            second.kill()
    finally:
        first.kill()
