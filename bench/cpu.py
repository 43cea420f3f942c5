"""CPU time per process of a running stack, from /proc: what a benchmark's work cost each part.

A process counts with its live descendants (workers) and the children it has reaped. The
PostgreSQL backends serving a database count under `postgres:<database>`, found by the
process title PostgreSQL gives them (`postgres: <user> <database> <client> ...`); backends
that ended in between count under `postgres:ended` (PostgreSQL reaps them; their database is
no longer known, and any database on the server counts); Kafka is the broker process, if one
runs on this machine (shared: anything else using it counts too).
CPU time, not throughput, is the figure to compare on a machine shared with other work.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from deploy.stack import Stack

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
ENDED_BACKENDS = "postgres:ended"
DATABASE_SETTINGS = {
    "booking": "BOOKING_DATABASE_URL",
    "user": "USER_DATABASE_URL",
    "cinema": "CINEMA_DATABASE_URL",
    "movie": "MOVIE_DATABASE_URL",
}


@dataclass(frozen=True)
class _Stat:
    pid: int
    ppid: int
    own_ticks: int
    """utime + stime."""
    reaped_ticks: int
    """cutime + cstime: children that ended and were waited for."""


def _stat(pid_dir: Path) -> _Stat | None:
    try:
        raw = (pid_dir / "stat").read_text()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces
    fields = raw[raw.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return _Stat(int(pid_dir.name), int(fields[1]), utime + stime, cutime + cstime)


def _all_stats() -> dict[int, _Stat]:
    stats = {}
    for pid_dir in PROC.iterdir():
        if pid_dir.name.isdigit() and (stat := _stat(pid_dir)) is not None:
            stats[stat.pid] = stat
    return stats


def _cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def _descendants(root: int, stats: Mapping[int, _Stat]) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in stats.values():
        children.setdefault(stat.ppid, []).append(stat.pid)
    found, queue = {root}, [root]
    while queue:
        for child in children.get(queue.pop(), []):
            if child not in found:
                found.add(child)
                queue.append(child)
    return found


@dataclass(frozen=True)
class CpuSnapshot:
    """Clock ticks per process id, grouped by the name each counts under."""

    ticks: Mapping[str, Mapping[int, int]]


class ProcessCpu:
    """Takes CPU snapshots of named processes and of PostgreSQL backends by database."""

    def __init__(
        self,
        roots: Mapping[str, int],
        databases: Mapping[str, str] | None = None,
        kafka: bool = True,
    ) -> None:
        self.roots = dict(roots)
        self.databases = dict(databases or {})
        """name -> database whose backends count under it."""
        self.kafka = kafka

    @classmethod
    def of_stack(cls, stack: Stack, env: Mapping[str, str]) -> ProcessCpu:
        """The stack's processes and the backends of its databases (named in `env`)."""
        databases = {
            f"postgres:{name}": urlsplit(env[setting]).path.lstrip("/")
            for name, setting in DATABASE_SETTINGS.items()
            if setting in env
        }
        roots = {name: process.pid for name, process in stack.processes.items()}
        return cls(roots, databases)

    def snapshot(self) -> CpuSnapshot:
        stats = _all_stats()
        ticks: dict[str, dict[int, int]] = {}
        for name, root in self.roots.items():
            ticks[name] = {
                pid: stats[pid].own_ticks + stats[pid].reaped_ticks
                for pid in _descendants(root, stats)
                if pid in stats
            }
        postmasters = _postmasters(stats)
        ticks[ENDED_BACKENDS] = {pid: stats[pid].reaped_ticks for pid in postmasters}
        titles = {pid: _cmdline(pid) for pid in stats if stats[pid].ppid in postmasters}
        for name, database in self.databases.items():
            ticks[name] = {
                pid: stats[pid].own_ticks
                for pid, title in titles.items()
                if _serves(title, database)
            }
        if self.kafka:
            ticks["kafka"] = {
                pid: stats[pid].own_ticks for pid in stats if "kafka.Kafka" in _cmdline(pid)
            }
        return CpuSnapshot(ticks)


def _postmasters(stats: Mapping[int, _Stat]) -> set[int]:
    return {pid for pid in stats if _cmdline(pid).startswith("/usr/lib/postgresql/")}


def _serves(title: str, database: str) -> bool:
    """Whether a backend's process title (`postgres: user database client state`) names it."""
    parts = title.split()
    return len(parts) >= 3 and parts[0] == "postgres:" and parts[2] == database


def cpu_seconds(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """CPU seconds each name used between the snapshots; a process that started in between
    counts whole, one that ended in between (unreaped) is lost."""
    used = {}
    for name, pids in after.ticks.items():
        earlier = before.ticks.get(name, {})
        ticks = sum(max(0, now - earlier.get(pid, 0)) for pid, now in pids.items())
        used[name] = ticks / TICKS_PER_SECOND
    return used


def per_unit_us(seconds: Mapping[str, float], units: int) -> dict[str, float]:
    """Microseconds per unit of work (a hold) per name, with the sum as `total`."""
    if units <= 0:
        return {}
    per = {name: round(value * 1e6 / units, 1) for name, value in sorted(seconds.items())}
    per["total"] = round(sum(seconds.values()) * 1e6 / units, 1)
    return per


async def idle_rates(cpu: ProcessCpu, seconds: float = 2.0) -> dict[str, float]:
    """CPU seconds per second each name uses with no load (timers, consumer polls)."""
    before = cpu.snapshot()
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    used = cpu_seconds(before, cpu.snapshot())
    elapsed = time.perf_counter() - started
    return {name: value / elapsed for name, value in used.items()}


def net_of_idle(
    used: Mapping[str, float], idle: Mapping[str, float], wall_seconds: float
) -> dict[str, float]:
    """`used` less what the names would have used idle over `wall_seconds` (never below 0):
    the work's own cost, steadier than the gross figure when the run is slowed down."""
    return {
        name: max(0.0, value - idle.get(name, 0.0) * wall_seconds) for name, value in used.items()
    }
