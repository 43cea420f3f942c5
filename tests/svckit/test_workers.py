"""svckit/workers.py with real processes: a parent running tiny workers (worker_child.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from svckit.workers import WORKER_ENV, current_worker, ensure_port_free
from tests.helpers import command_line, free_port

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("worker_child.py")
WORKERS = 3


def wait_for(condition: object, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Parent:
    """`run_workers` in a process of its own (it handles signals, so it needs a main thread)."""

    def __init__(self, folder: Path, *, dying: int = -1) -> None:
        self.folder = folder
        self.port = free_port()
        self.metrics_port = free_port()
        child = [sys.executable, str(CHILD), str(self.port), str(folder), str(dying)]
        script = (
            "import sys; from svckit.workers import run_workers; "
            f"sys.exit(run_workers('test', {WORKERS}, listen=('127.0.0.1', {self.port}), "
            f"metrics=('127.0.0.1', {self.metrics_port}), command={child!r}, stop_seconds=5))"
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop(WORKER_ENV, None)
        self.process = subprocess.Popen([sys.executable, "-c", script], env=env)

    def ready(self) -> dict[int, int]:
        """Worker index -> pid, of the workers that are listening."""
        return {
            int(path.name.split("-")[1]): int(path.read_text().split()[0])
            for path in self.folder.glob("ready-*")
        }

    def wait_ready(self) -> dict[int, int]:
        wait_for(lambda: len(self.ready()) == WORKERS, "every worker listening")
        return self.ready()

    def ask(self) -> int:
        """Which worker answers a new connection."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
            return int(conn.recv(16))

    def exit_code(self, timeout: float = 20.0) -> int:
        return self.process.wait(timeout)


@pytest.fixture
def parents(tmp_path: Path) -> Iterator[list[Parent]]:
    started: list[Parent] = []
    yield started
    for parent in started:
        if parent.process.poll() is None:
            parent.process.terminate()
            parent.process.wait(20)
        _reap(list(parent.ready().values()), parent.folder)


def _reap(pids: list[int], folder: Path) -> None:
    """Fails unless every worker ended with its parent; kills what is left either way."""
    try:
        wait_for(lambda: not any(_is_worker(pid, folder) for pid in pids), "the workers to end", 5)
    finally:
        for pid in pids:
            if _is_worker(pid, folder):
                os.kill(pid, signal.SIGKILL)


def _is_worker(pid: int, folder: Path) -> bool:
    """Whether `pid` is still a live worker of the test whose folder is `folder` (a zombie
    has no command line).

    A worker that ended leaves its pid free, and pids wrap around quickly on a busy machine
    (threads take them too): by then the same number may be another test's process, which
    must not be taken for a worker, let alone killed.
    """
    return str(folder) in command_line(pid)


def start(parents: list[Parent], folder: Path, **kwargs: int) -> Parent:
    parent = Parent(folder, **kwargs)
    parents.append(parent)
    return parent


def test_workers_share_one_port_and_their_metrics_are_served_merged(
    parents: list[Parent], tmp_path: Path
) -> None:
    parent = start(parents, tmp_path)
    pids = parent.wait_ready()
    assert sorted(pids) == list(range(WORKERS))
    assert len(set(pids.values())) == WORKERS
    assert parent.process.pid not in pids.values()
    answered = [parent.ask() for _ in range(60)]
    assert set(answered) == set(range(WORKERS)), "the kernel spreads connections over workers"
    metrics = httpx.get(f"http://127.0.0.1:{parent.metrics_port}/metrics").text
    served = [line for line in metrics.splitlines() if line.startswith("test_worker_served")]
    assert served == ["test_worker_served_total 60.0"]


def test_sigterm_and_sigint_reach_every_worker_and_the_parent_exits_cleanly(
    parents: list[Parent], tmp_path: Path
) -> None:
    for sig, folder in ((signal.SIGTERM, tmp_path / "term"), (signal.SIGINT, tmp_path / "int")):
        folder.mkdir()
        parent = start(parents, folder)
        parent.wait_ready()
        parent.process.send_signal(sig)
        assert parent.exit_code() == 0
        stopped = {path.name: path.read_text() for path in folder.glob("stopped-*")}
        assert stopped == {f"stopped-{i}": sig.name for i in range(WORKERS)}


def test_a_worker_that_dies_stops_the_others_and_the_parent_exits_with_its_code(
    parents: list[Parent], tmp_path: Path
) -> None:
    parent = start(parents, tmp_path, dying=1)
    assert parent.exit_code() == 7
    stopped = sorted(path.name for path in tmp_path.glob("stopped-*"))
    assert stopped == ["stopped-0", "stopped-2"]


def test_workers_end_when_their_parent_is_killed(parents: list[Parent], tmp_path: Path) -> None:
    parent = start(parents, tmp_path)
    pids = parent.wait_ready()
    parent.process.kill()
    parent.process.wait()
    wait_for(
        lambda: not any(_is_worker(pid, tmp_path) for pid in pids.values()), "the workers to end"
    )


def test_a_port_someone_listens_on_is_refused_before_any_worker_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use"):
            ensure_port_free("127.0.0.1", port)
    ensure_port_free("127.0.0.1", port)


def test_a_process_started_without_the_variable_is_no_worker() -> None:
    assert WORKER_ENV not in os.environ
    assert current_worker() is None
