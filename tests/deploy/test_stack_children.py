"""deploy.stack.Stack starts its children safely from a supervisor busy with gRPC (as the
tests are), and each child still dies with the supervisor."""

from __future__ import annotations

import faulthandler
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from deploy.stack import ROOT, Stack

STARTS = 300


@pytest.fixture
def busy_grpc() -> Iterator[None]:
    """Three threads calling a gRPC server in this process, without a pause; and faulthandler
    off, as in a supervisor: pytest's, inherited by a child, hid the child's abort."""
    faults_shown = faulthandler.is_enabled()
    faulthandler.disable()
    server = grpc.server(futures.ThreadPoolExecutor(4))
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    done = threading.Event()

    def call() -> None:
        while not done.is_set():
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())

    callers = [threading.Thread(target=call, daemon=True) for _ in range(3)]
    for caller in callers:
        caller.start()
    try:
        yield
    finally:
        done.set()
        for caller in callers:
            caller.join()
        server.stop(None)
        if faults_shown:
            faulthandler.enable(sys.stderr)


def test_children_started_while_grpc_is_busy_all_run(
    busy_grpc: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each start either runs its program or aborted between fork and exec (with a
    preexec_fn, 1 to 3 in 300 did). The program is `true`, so 300 starts take little time."""
    monkeypatch.setattr(sys, "executable", shutil.which("true"))
    stack = Stack({}, log_dir=tmp_path)
    codes = []
    for _ in range(STARTS):
        stack.start("platform")
        codes.append(stack.processes["platform"].wait(30))
    said = (tmp_path / "platform.log").read_text()
    assert codes == [0] * STARTS, said[-2000:]


SUPERVISOR = """
import subprocess, sys, time
from deploy.stack import DIE_WITH_PARENT
child = subprocess.Popen([*DIE_WITH_PARENT, sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    """Running, or stopped: neither gone nor a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_child_gets_sigterm_when_its_supervisor_dies() -> None:
    supervisor = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert supervisor.stdout is not None
    child = int(supervisor.stdout.readline())
    assert alive(child)
    supervisor.kill()
    supervisor.wait()
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)
