"""The outbox relay in a process of its own, so publishing never waits on, or holds up, the
service's event loop.

A service with a busy outbox (booking_svc) runs `RelayProcess.run` as a background task: it
starts `python -m svckit.outbox.process` with the relay's settings in its environment, and
starts another if that one ends (the leader lock is released with its connections, so the
next relay, here or in another replica, takes over). The child dies with its parent (the
kernel sends it SIGTERM), and is stopped with the task. What the relay reports (backlog,
published rows and their lag) comes back as JSON lines over a pipe and is counted in the
parent's Prometheus series, so /metrics stays where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, BinaryIO

import uvloop

from svckit.db import make_engine, service_metadata
from svckit.logging import configure_logging
from svckit.outbox.metrics import RelayMetrics
from svckit.outbox.relay import OutboxRelay
from svckit.outbox.table import outbox_table
from svckit.tasks import keep_running
from svckit.tracing import setup_tracing
from svckit.workers import die_with_parent

log = logging.getLogger(__name__)

SPEC_ENV = "CINEMA_OUTBOX_RELAY"
"""The child's settings (a RelaySpec as JSON); its presence makes a process a relay."""
REPORT_FD_ENV = "CINEMA_OUTBOX_REPORT_FD"
"""The file descriptor the child writes its reports to."""
PARENT_ENV = "CINEMA_OUTBOX_PARENT"
RESTART_SECONDS = 1.0
STOP_SECONDS = 10.0
"""How long a relay may take to finish its batch and flush Kafka when stopped."""
REPORT_LINE_LIMIT = 1 << 20
"""A report of a full batch lists each row's lag: well under this."""


@dataclass(frozen=True)
class RelaySpec:
    """What the relay process needs: where the outbox is, where events go, how to log."""

    service: str
    dsn: str
    bootstrap_servers: str
    source: str
    log_level: str = "INFO"


class RelayProcess:
    """Keeps one relay process running for as long as `run` runs."""

    def __init__(
        self,
        spec: RelaySpec,
        *,
        restart_seconds: float = RESTART_SECONDS,
        stop_seconds: float = STOP_SECONDS,
    ) -> None:
        self.spec = spec
        self.restart_seconds = restart_seconds
        self.stop_seconds = stop_seconds
        self.metrics = RelayMetrics(spec.source)
        self.pid: int | None = None
        """The running child's process id."""

    async def run(self) -> None:
        while True:
            code = await self._run_child()
            log.error(
                "outbox relay process of %s exited with %s; starting another in %.1fs",
                self.spec.service,
                code,
                self.restart_seconds,
            )
            await asyncio.sleep(self.restart_seconds)

    async def _run_child(self) -> int:
        """Runs one child until it exits (its exit code), applying its reports meanwhile."""
        read_fd, write_fd = os.pipe()
        env = {
            **os.environ,
            SPEC_ENV: json.dumps(asdict(self.spec)),
            REPORT_FD_ENV: str(write_fd),
            PARENT_ENV: str(os.getpid()),
        }
        try:
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", __name__, env=env, pass_fds=(write_fd,)
            )
        finally:
            os.close(write_fd)
        self.pid = child.pid
        try:
            await self._apply_reports(read_fd)
            return await child.wait()
        finally:
            self.pid = None
            await self._stop(child)

    async def _apply_reports(self, read_fd: int) -> None:
        """Counts what the child reports until it closes its end (it exited)."""
        reader = asyncio.StreamReader(limit=REPORT_LINE_LIMIT)
        pipe = os.fdopen(read_fd, "rb", buffering=0)
        transport, _ = await asyncio.get_running_loop().connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), pipe
        )
        try:
            async for line in reader:
                self._apply(json.loads(line))
        finally:
            transport.close()

    def _apply(self, report: dict[str, Any]) -> None:
        if "backlog" in report:
            self.metrics.backlog(int(report["backlog"]))
        if "published" in report:
            self.metrics.published_late([float(lag) for lag in report["published"]])

    async def _stop(self, child: asyncio.subprocess.Process) -> None:
        if child.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            child.terminate()
        try:
            await asyncio.wait_for(child.wait(), self.stop_seconds)
        except TimeoutError:
            log.error("outbox relay process %d did not stop; killing it", child.pid)
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            await child.wait()


class PipedReport:
    """The child's side of the reports: one JSON line per report, written to the pipe."""

    def __init__(self, pipe: BinaryIO) -> None:
        self.pipe = pipe

    def backlog(self, rows: int) -> None:
        self._send({"backlog": rows})

    def published(self, times: Iterable[tuple[datetime, datetime]]) -> None:
        lags = [round((published - created).total_seconds(), 6) for created, published in times]
        self._send({"published": lags})

    def _send(self, report: dict[str, Any]) -> None:
        self.pipe.write(json.dumps(report).encode() + b"\n")
        self.pipe.flush()


def main() -> None:
    """The relay process: relays until SIGTERM or SIGINT, then flushes Kafka and exits."""
    spec = RelaySpec(**json.loads(os.environ[SPEC_ENV]))
    configure_logging(spec.service, spec.log_level)
    die_with_parent(int(os.environ[PARENT_ENV]), f"{spec.service} outbox relay")
    setup_tracing(spec.service)
    with os.fdopen(int(os.environ[REPORT_FD_ENV]), "wb") as pipe:
        uvloop.run(_relay_until_stopped(spec, PipedReport(pipe)))


async def _relay_until_stopped(spec: RelaySpec, report: PipedReport) -> None:
    engine = make_engine(spec.dsn, pool_size=2)
    relay = OutboxRelay(
        engine,
        spec.dsn,
        outbox_table(service_metadata()),
        bootstrap_servers=spec.bootstrap_servers,
        source=spec.source,
        report=report,
    )
    running = asyncio.current_task()
    assert running is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, running.cancel)
    try:
        await keep_running("outbox-relay", relay.run)
    except asyncio.CancelledError:
        log.info("outbox relay of %s stopping", spec.service)
    finally:
        await asyncio.to_thread(relay.close)
        await engine.dispose()


if __name__ == "__main__":
    main()
