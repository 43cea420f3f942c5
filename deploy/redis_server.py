"""A throwaway Redis (no persistence) on 127.0.0.1:16379.

CINEMA_STATE_DIR and CINEMA_INFRA_PORT_OFFSET (deploy/_proc.py) move it elsewhere.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import redis

from deploy._proc import (
    InfraError,
    cmdline,
    is_running,
    port_offset,
    read_pid,
    require_command,
    state_dir,
    stop_process,
    tail,
    wait_for,
)

HOST = "127.0.0.1"
PORT = 16379
URL = f"redis://{HOST}:{PORT}/0"
"""The default URL; `url()` is the one of this process's server."""
START_TIMEOUT = 20.0
REDIS_MEMORY_CAP = ("--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru")
"""Redis holds only a cache and rate-limit windows: past 256 MB it drops the least used keys."""


def port() -> int:
    return PORT + port_offset()


def url() -> str:
    return f"redis://{HOST}:{port()}/0"


def _home() -> Path:
    return state_dir("redis")


def _pid_file() -> Path:
    return _home() / "redis.pid"


def answers(address: str | None = None) -> bool:
    """Whether a Redis at `address` (by default ours) answers PING."""
    try:
        with redis.Redis.from_url(
            address or url(), socket_timeout=1, socket_connect_timeout=1
        ) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def server_pid() -> int | None:
    """The pid of the redis-server this launcher started, when it is still running."""
    pid = read_pid(_pid_file())
    if pid is None or not is_running(pid) or "redis-server" not in " ".join(cmdline(pid)):
        return None
    return pid


def server_command(server: str, home: Path) -> list[str]:
    """The redis-server command line: no persistence, a memory cap, daemonised in `home`."""
    return [
        server,
        "--bind",
        HOST,
        "--port",
        str(port()),
        "--save",
        "",
        "--appendonly",
        "no",
        *REDIS_MEMORY_CAP,
        "--daemonize",
        "yes",
        "--pidfile",
        str(_pid_file()),
        "--logfile",
        str(home / "redis.log"),
        "--dir",
        str(home),
    ]


def ensure() -> str:
    """Start redis-server unless one answers on its port; return its URL."""
    if answers():
        return url()
    stale = server_pid()
    if stale is not None:
        stop_process(stale, grace=5)
    _pid_file().unlink(missing_ok=True)
    home = _home()
    log = home / "redis.log"
    server = require_command("redis-server", "redis-server")
    subprocess.run(
        server_command(server, home),
        check=True,
        start_new_session=True,
    )
    if not wait_for(answers, START_TIMEOUT):
        raise InfraError(f"redis-server did not answer PING:\n{tail(log)}")
    return url()


def stop() -> None:
    """Stop the redis-server we started."""
    pid = server_pid()
    if pid is not None:
        stop_process(pid, grace=10)
    _pid_file().unlink(missing_ok=True)
