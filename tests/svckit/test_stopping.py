"""A service told to stop ends within svckit/stopping.py's deadline even if a close hangs.

Each case runs `svckit.grpc_server.serve` in a process of its own (it handles signals), with a
setup whose teardown either returns or waits forever in a worker thread, as a Kafka consumer's
`close()` can when it leaves its group while the broker is busy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest

from svckit.stopping import OVERRUN_EXIT_CODE
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICE = """
import asyncio, sys, threading
from contextlib import asynccontextmanager
import svckit.stopping
from svckit.grpc_server import serve
from svckit.settings import GrpcServing

svckit.stopping.STOP_DEADLINE_SECONDS = float(sys.argv[2])

@asynccontextmanager
async def setup(server):
    yield []
    if sys.argv[3] == "hang":
        await asyncio.to_thread(threading.Event().wait)

serving = GrpcServing(grpc_addr=f"127.0.0.1:{sys.argv[1]}", metrics_port=0, jwt_secret="x" * 32)
asyncio.run(serve("stopping-test", serving, setup))
"""


def start_service(deadline: float, teardown: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVICE, str(port), str(deadline), teardown],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
    )
    return process, port


def wait_serving(process: subprocess.Popen[bytes], port: int) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        grpc.channel_ready_future(channel).result(timeout=30)
    assert process.poll() is None


def stopped_within(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, float, str]:
    """Sends SIGTERM; the exit code, the seconds it took, and what the process wrote to stderr."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"the service was still there {timeout:.0f}s after SIGTERM")
    return process.returncode, time.monotonic() - started, stderr.decode()


def test_a_stop_whose_close_hangs_ends_the_process_at_the_deadline_with_the_stacks() -> None:
    process, port = start_service(deadline=2.0, teardown="hang")
    wait_serving(process, port)
    code, seconds, stderr = stopped_within(process, timeout=20)
    assert code == OVERRUN_EXIT_CODE
    assert seconds >= 2.0
    assert "stopping took longer than 2s" in stderr
    assert "in wait" in stderr  # the stuck thread's stack, from faulthandler


def test_a_stop_that_finishes_exits_cleanly_without_waiting_for_the_deadline() -> None:
    process, port = start_service(deadline=60.0, teardown="return")
    wait_serving(process, port)
    code, seconds, stderr = stopped_within(process, timeout=20)
    assert code == 0, stderr
    assert "stopping took longer" not in stderr
    assert seconds < 20
