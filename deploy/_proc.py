"""Process, file and package plumbing shared by the local infrastructure launchers."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".state"
STATE_DIR_VAR = "CINEMA_STATE_DIR"
"""Names another state folder than `.state`, for a second private infrastructure (read per call)."""
PORT_OFFSET_VAR = "CINEMA_INFRA_PORT_OFFSET"
"""Added to every infrastructure port (may be negative), for a second private infrastructure."""

_apt_updated = False
_apt_lock = threading.Lock()


class InfraError(RuntimeError):
    """A piece of local infrastructure could not be installed or started."""


def state_root() -> Path:
    """The state folder: `.state` of this checkout unless CINEMA_STATE_DIR names another."""
    override = os.environ.get(STATE_DIR_VAR)
    return Path(override) if override else STATE_DIR


def port_offset() -> int:
    """What CINEMA_INFRA_PORT_OFFSET adds to the infrastructure's ports (0 when unset)."""
    return int(os.environ.get(PORT_OFFSET_VAR) or "0")


def state_dir(name: str) -> Path:
    """Return `<state root>/<name>`, creating it (and the root, traversable by other users)."""
    root = state_root()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    path = root / name
    path.mkdir(exist_ok=True)
    return path


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(*packages: str) -> None:
    """Install Debian packages, which needs root; `apt-get update` runs once per process."""
    global _apt_updated
    if not is_root():
        raise InfraError(
            f"{' '.join(packages)} missing; install it (apt-get install) or run as root"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _apt_lock:
        if not _apt_updated:
            subprocess.run(
                ["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL
            )
            _apt_updated = True
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )


def require_command(command: str, package: str) -> str:
    """Return the path of `command`, installing `package` with apt-get when it is missing."""
    found = shutil.which(command)
    if found is None:
        apt_install(package)
        found = shutil.which(command)
    if found is None:
        raise InfraError(f"{command} still missing after installing {package}")
    return found


def is_running(pid: int) -> bool:
    """Whether `pid` is a live process; a zombie counts as gone (and is reaped if ours)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    if stat.rsplit(")", 1)[1].split()[0] != "Z":
        return True
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    return False


def cmdline(pid: int) -> list[str]:
    """The argv of `pid`, empty when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []
    return raw.decode(errors="replace").rstrip("\0").split("\0")


def read_pid(path: Path) -> int | None:
    """The pid on the first line of a pid file, or None when absent or unreadable."""
    try:
        first = path.read_text().split("\n", 1)[0].strip()
    except FileNotFoundError:
        return None
    return int(first) if first.isdigit() else None


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Poll `predicate` until it is true (return True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def stop_process(pid: int, grace: float) -> None:
    """SIGTERM `pid`, then SIGKILL it if it is still alive after `grace` seconds."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if not wait_for(lambda: not is_running(pid), grace):
        kill_process(pid)


def kill_process(pid: int) -> None:
    """SIGKILL `pid` and wait until it is gone."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    if not wait_for(lambda: not is_running(pid), 10):
        raise InfraError(f"process {pid} survived SIGKILL")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def listener_pid(port: int) -> int | None:
    """The pid of the process listening on TCP `port` (any address), or None.

    Seeing other users' sockets needs root; without it only our own processes are found.
    """
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and inodes & _open_files(proc):
            return int(proc.name)
    return None


def _open_files(proc: Path) -> set[str]:
    """What a process's open files link to (`socket:[inode]` for a socket; none if it is gone
    or not ours). A file closed while they are read is passed over, not the whole process: a
    busy Kafka broker opens and closes files all the time."""
    try:
        fds = list((proc / "fd").iterdir())
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return set()
    links = set()
    for fd in fds:
        try:
            links.add(os.readlink(fd))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return links


def spawn_detached(argv: Sequence[str], log: Path, cwd: Path) -> int:
    """Start `argv` in its own session, not as our child, output appended to `log`; return its pid.

    A shell backgrounds the command and exits, so the process is reparented and never
    becomes a zombie of (or a ResourceWarning in) the calling Python process.
    """
    script = 'log=$1; shift; "$@" </dev/null >>"$log" 2>&1 & echo $!'
    out = subprocess.run(
        ["sh", "-c", script, "sh", str(log), *argv],
        check=True,
        capture_output=True,
        text=True,
        cwd=cwd,
        start_new_session=True,
    )
    return int(out.stdout.strip())


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"({path} does not exist)"
