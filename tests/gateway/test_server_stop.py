"""The gateway's uvicorn server ends within svckit/stopping.py's deadline even if its
lifespan's shutdown hangs (as a live feed's Kafka consumer `close()` can)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from svckit.stopping import OVERRUN_EXIT_CODE
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = """
import asyncio, sys, threading
import uvicorn
import svckit.stopping
from gateway.server import BoundedStopServer

svckit.stopping.STOP_DEADLINE_SECONDS = 2.0

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await asyncio.to_thread(threading.Event().wait)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})

config = uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None)
BoundedStopServer(config).run()
"""


def test_a_gateway_whose_shutdown_hangs_ends_at_the_deadline() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", GATEWAY, str(port)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
        assert process.returncode == OVERRUN_EXIT_CODE
        assert time.monotonic() - started >= 2.0
        assert "gateway: stopping took longer than 2s" in stderr.decode()
    finally:
        process.kill()
        process.wait()
