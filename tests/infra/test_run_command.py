"""`make run` (python -m deploy.run) comes up, stops cleanly, and recovers from a killed run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy import infra
from deploy.stack import delete_topics, isolated_env

ROOT = Path(__file__).resolve().parent.parent.parent
GATEWAY_PORT = 18200


@pytest.fixture(scope="module")
def run_env(endpoints: infra.Endpoints) -> Iterator[dict[str, str]]:
    env = isolated_env(endpoints, name="runcmd", port_base=24051, gateway_port=GATEWAY_PORT)
    env |= {"REDIS_URL": endpoints.redis_url.rsplit("/", 1)[0] + "/3", "LOG_LEVEL": "WARNING"}
    yield env
    delete_topics(env)


def start_run(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "deploy.run"],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_ready(process: subprocess.Popen[bytes], timeout: float = 180.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "deploy.run exited before it was ready"
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
    assert service_pids(env) == []


def test_run_comes_up_with_demo_data_and_ctrl_c_stops_everything(
    run_env: dict[str, str],
) -> None:
    process = start_run(run_env)
    try:
        assert wait_ready(process)["status"] == "ok"
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0
        wait_no_processes(run_env)
    finally:
        process.kill()


def test_run_again_after_a_killed_run_comes_up(run_env: dict[str, str]) -> None:
    first = start_run(run_env)
    try:
        wait_ready(first)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        wait_no_processes(run_env)
        second = start_run(run_env)
        try:
            wait_ready(second)
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(60)
    finally:
        first.kill()
    wait_no_processes(run_env)
