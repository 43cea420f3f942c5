"""Several worker processes of one service on one port, under one parent process.

`run_workers` starts `count` copies of the running command (fresh interpreters: nothing of
the parent's threads, event loop or connections is inherited), each told by `WORKER_ENV`
which worker it is. Every worker binds the same port with SO_REUSEPORT and the kernel spreads
incoming connections over them. The parent only supervises: it forwards SIGTERM and SIGINT to
every worker, and serves their merged Prometheus metrics on the service's one metrics port
(prometheus_client's multiprocess mode: each worker writes its figures to files in a folder
of this run, the parent adds them up when scraped), so scrapers and dashboards see one target
per service whatever the number of workers.

A worker that exits while nobody asked it to stops the service: the parent stops the other
workers and exits non-zero, exactly as the one process of a single-worker service would have
died. Whoever restarts a dead service (`make run`'s supervisor, Kubernetes, compose) restarts
it whole, with its delay and its crash-loop protection; a parent that restarted workers itself
would hide a worker that dies at once forever behind a healthy-looking port.

With a count of 1 none of this happens: the service runs in its own process as always.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from types import FrameType

from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from svckit.metrics import metrics_server

log = logging.getLogger(__name__)

WORKER_ENV = "CINEMA_WORKER"
"""Set in a worker's environment to `<index>/<count>/<parent pid>`; absent elsewhere."""
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus_client writes a worker's figures into files in this folder when it is set."""
STOP_SECONDS = 30.0
"""How long stopping workers may take (their own grace periods are shorter) before SIGKILL."""
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Worker:
    """Which of its service's workers this process is (0-based)."""

    index: int
    count: int
    parent_pid: int

    @property
    def label(self) -> str:
        return str(self.index)


@cache
def current_worker() -> Worker | None:
    """This process's place among its service's workers; None when it is not a worker."""
    raw = os.environ.get(WORKER_ENV)
    if not raw:
        return None
    index, count, parent_pid = (int(part) for part in raw.split("/"))
    return Worker(index, count, parent_pid)


def worker_label() -> str:
    """The worker's index as a metric or log label; "0" for a service of one process."""
    worker = current_worker()
    return worker.label if worker else "0"


def die_with_parent(worker: Worker) -> None:
    """Makes the kernel send SIGTERM to this worker if its parent dies (even by SIGKILL)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != worker.parent_pid:
        log.error("worker %d: parent %d is gone; exiting", worker.index, worker.parent_pid)
        sys.exit(1)


def ensure_port_free(host: str, port: int) -> None:
    """Raises OSError when something listens on host:port already.

    Workers bind with SO_REUSEPORT, which would quietly share the port with a stray earlier
    run of the same user; this bind without it fails instead, as a single process would.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def reuse_port_socket(host: str, port: int, backlog: int) -> socket.socket:
    """A listening TCP socket on host:port that other workers may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def run_workers(
    name: str,
    count: int,
    *,
    listen: tuple[str, int],
    metrics: tuple[str, int],
    command: Sequence[str] | None = None,
    stop_seconds: float = STOP_SECONDS,
) -> int:
    """Runs `count` workers of `command` (default: this process's own command line) until
    they are told to stop or one of them dies; returns the exit code for the service.

    `listen` is the port the workers share (checked free first); `metrics` is (host, port)
    of the merged metrics endpoint (port 0: none).
    """
    ensure_port_free(*listen)
    with tempfile.TemporaryDirectory(prefix=f"{name}-metrics-") as metrics_dir:
        group = WorkerGroup(name, list(command or sys.orig_argv), metrics_dir, stop_seconds)
        with (
            _forwarding_signals(group),
            group.running(count),
            merged_metrics(metrics_dir, *metrics),
        ):
            return group.supervise()


@contextlib.contextmanager
def merged_metrics(directory: str, host: str, port: int) -> Iterator[None]:
    """Serves the figures every worker writes into `directory` as one endpoint."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    with metrics_server(host, port, registry):
        yield


class WorkerGroup:
    """The worker processes of one service and what the parent knows about them."""

    def __init__(
        self, name: str, command: list[str], metrics_dir: str, stop_seconds: float
    ) -> None:
        self.name = name
        self.command = command
        self.metrics_dir = metrics_dir
        self.processes: dict[int, subprocess.Popen[bytes]] = {}
        self.stopping = False
        self.failed = 0
        self.stop_seconds = stop_seconds
        self._killer: threading.Timer | None = None

    @contextlib.contextmanager
    def running(self, count: int) -> Iterator[None]:
        """Starts the workers; on leaving, kills any that are still there."""
        try:
            for index in range(count):
                if self.stopping:
                    break
                self._start(index, count)
            yield
        finally:
            for process in self.processes.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()

    def _start(self, index: int, count: int) -> None:
        env = {
            **os.environ,
            WORKER_ENV: f"{index}/{count}/{os.getpid()}",
            METRICS_DIR_ENV: self.metrics_dir,
        }
        process = subprocess.Popen(self.command, env=env, start_new_session=True)
        self.processes[process.pid] = process
        log.info("%s worker %d started (pid %d)", self.name, index, process.pid)

    def signal_all(self, signum: int) -> None:
        """Stops the service: every worker gets `signum`, and SIGKILL if it is still there
        `stop_seconds` later."""
        self.stopping = True
        for process in self.processes.values():
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signum)
        if self._killer is None:
            self._killer = threading.Timer(self.stop_seconds, self._kill_remaining)
            self._killer.daemon = True
            self._killer.start()

    def supervise(self) -> int:
        """Waits for every worker to end; one ending unasked stops the others."""
        while any(process.returncode is None for process in self.processes.values()):
            pid, status = os.wait()
            process = self.processes.get(pid)
            if process is None:
                continue
            process.returncode = code = os.waitstatus_to_exitcode(status)
            if not self.stopping:
                log.error(
                    "%s worker (pid %d) exited unexpectedly with %d; stopping the others",
                    self.name,
                    pid,
                    code,
                )
                self.failed = _exit_status(code) or 1
                self.signal_all(signal.SIGTERM)
            elif code != 0:
                self.failed = self.failed or _exit_status(code)
        if self._killer is not None:
            self._killer.cancel()
        return self.failed

    def _kill_remaining(self) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                log.error("%s worker (pid %d) did not stop; killing it", self.name, process.pid)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()


@contextlib.contextmanager
def _forwarding_signals(group: WorkerGroup) -> Iterator[None]:
    def forward(signum: int, _frame: FrameType | None) -> None:
        group.signal_all(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _exit_status(code: int) -> int:
    """A child's exit code as a shell reports it: killed by signal N -> 128 + N."""
    return 128 - code if code < 0 else code
