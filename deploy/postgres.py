"""A private PostgreSQL cluster in `.state/postgres` on 127.0.0.1:15432 (superuser `cinema`).

CINEMA_STATE_DIR and CINEMA_INFRA_PORT_OFFSET (deploy/_proc.py) move it elsewhere.
"""

from __future__ import annotations

import pwd
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import psycopg
from psycopg import sql

from deploy._proc import (
    InfraError,
    apt_install,
    is_root,
    is_running,
    kill_process,
    port_offset,
    read_pid,
    state_dir,
    tail,
    wait_for,
)

HOST = "127.0.0.1"
PORT = 15432
"""The default port; `port()` is where this process's cluster listens."""
SUPERUSER = "cinema"
DSN_BASE = f"postgresql://{SUPERUSER}@{HOST}:{PORT}"
"""The default DSN base; `dsn_base()` is the one of this process's cluster."""
OS_USER = "postgres"
START_TIMEOUT = 60.0

SETTINGS = {
    "listen_addresses": f"'{HOST}'",
    "port": str(PORT),
    "max_connections": "300",
    "shared_buffers": "256MB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "track_commit_timestamp": "on",
}

HBA = "local all all trust\nhost all all 127.0.0.1/32 trust\n"


def port() -> int:
    return PORT + port_offset()


def dsn_base() -> str:
    """The cluster's DSN without a database (append `/<dbname>`)."""
    return f"postgresql://{SUPERUSER}@{HOST}:{port()}"


def _home() -> Path:
    return state_dir("postgres")


def _data() -> Path:
    return _home() / "data"


def _log() -> Path:
    return _home() / "postgres.log"


def _bindir() -> Path:
    """The bin folder of the newest installed PostgreSQL, installing Debian's when none is."""
    for attempt in range(2):
        found = sorted(
            Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
            key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
        )
        if found:
            return found[-1].parent
        if attempt == 0:
            apt_install("postgresql")
    raise InfraError("no PostgreSQL binaries under /usr/lib/postgresql after installing")


def _as_owner(argv: list[str]) -> list[str]:
    """Prefix `argv` so it runs as the cluster's OS user (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", OS_USER, "--", *argv] if is_root() else argv


def _prepare_owner() -> None:
    """As root: ensure the `postgres` user exists, owns the state folder and can reach it.

    Reaching it may mean adding the search (x) bit for others to the repository's parents.
    """
    if not is_root():
        return
    try:
        uid = pwd.getpwnam(OS_USER).pw_uid
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", OS_USER], check=True)
        uid = pwd.getpwnam(OS_USER).pw_uid
    home = _home()
    for ancestor in home.parents:
        mode = ancestor.stat().st_mode
        if not mode & 0o001:
            ancestor.chmod(mode | 0o001)
    if home.stat().st_uid != uid or (_data().exists() and _data().stat().st_uid != uid):
        subprocess.run(["chown", "-R", f"{OS_USER}:", str(home)], check=True)


def _initdb(bindir: Path) -> None:
    """Create the cluster in a scratch folder and move it into place, so a crash leaves no half."""
    scratch = _home() / "data.init"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(_data(), ignore_errors=True)
    result = subprocess.run(
        _as_owner(
            [
                str(bindir / "initdb"),
                "-D",
                str(scratch),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise InfraError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
    (scratch / "pg_hba.conf").write_text(HBA)
    with (scratch / "postgresql.conf").open("a") as conf:
        conf.write("\ninclude_if_exists = 'cinema.conf'\n")
    scratch.rename(_data())


def _write_config() -> None:
    settings = {**SETTINGS, "port": str(port()), "unix_socket_directories": f"'{_home()}'"}
    text = "".join(f"{key} = {value}\n" for key, value in settings.items())
    conf = _data() / "cinema.conf"
    if not conf.exists() or conf.read_text() != text:
        conf.write_text(text)


def _cluster_pids() -> list[int]:
    """Pids of every process of this cluster: PostgreSQL's processes all run in its data folder."""
    data = _data().resolve()
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "cwd").resolve() == data:
                pids.append(int(proc.name))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return [pid for pid in pids if is_running(pid)]


def postmaster_pid() -> int | None:
    """The pid of this cluster's running postmaster, or None."""
    pid = read_pid(_data() / "postmaster.pid")
    return pid if pid is not None and pid in _cluster_pids() else None


def ready() -> bool:
    """Whether the cluster accepts connections and answers a query."""
    try:
        with psycopg.connect(f"{dsn_base()}/postgres", connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return False
    return True


def _clear_stale() -> None:
    """Remove what a crashed cluster left: orphaned backends and its lock files.

    PostgreSQL would take a lock file naming a not yet reaped (zombie) postmaster as live.
    """
    if _cluster_pids() and not wait_for(lambda: not _cluster_pids(), 10):
        for pid in _cluster_pids():
            kill_process(pid)
    (_data() / "postmaster.pid").unlink(missing_ok=True)
    (_home() / f".s.PGSQL.{port()}.lock").unlink(missing_ok=True)


def _start(bindir: Path) -> None:
    _clear_stale()
    _pg_ctl_starting(bindir, "start")


def _pg_ctl_starting(bindir: Path, action: str, *options: str) -> None:
    """Run a `pg_ctl` action that (re)starts the postmaster; waits until it accepts connections."""
    argv = [str(bindir / "pg_ctl"), action, "-D", str(_data()), *options, "-l", str(_log())]
    result = subprocess.run(
        _as_owner([*argv, "-w", "-t", str(int(START_TIMEOUT))]),
        capture_output=True,
        text=True,
        check=False,
        start_new_session=True,
    )
    if result.returncode != 0:
        raise InfraError(f"pg_ctl {action} failed: {result.stdout}{result.stderr}\n{tail(_log())}")


def create_databases(names: Iterable[str]) -> None:
    """Create each named database that does not exist yet."""
    with psycopg.connect(f"{dsn_base()}/postgres", autocommit=True) as conn:
        existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
        for name in names:
            if name not in existing:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def ensure() -> str:
    """Start the cluster unless it already answers; return the DSN base (append `/<dbname>`)."""
    bindir = _bindir()
    _prepare_owner()
    if not (_data() / "PG_VERSION").exists():
        _initdb(bindir)
    _write_config()
    if ready():
        return dsn_base()
    if postmaster_pid() is None:
        _start(bindir)
    if not wait_for(ready, START_TIMEOUT):
        raise InfraError(f"PostgreSQL did not accept connections:\n{tail(_log())}")
    return dsn_base()


def restart_fast() -> None:
    """`pg_ctl restart -m fast`: every connection is cut, then the cluster starts again."""
    _pg_ctl_starting(_bindir(), "restart", "-m", "fast")


def stop() -> None:
    """Stop the cluster with a fast shutdown and make sure none of its processes is left."""
    if not (_data() / "PG_VERSION").exists():
        return
    if postmaster_pid() is not None:
        subprocess.run(
            _as_owner([str(_bindir() / "pg_ctl"), "stop", "-D", str(_data()), "-m", "fast", "-w"]),
            capture_output=True,
            check=False,
        )
    _clear_stale()
