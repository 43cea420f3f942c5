"""A tiny worker for test_workers.py: shares a port with its siblings and answers each
connection with its worker index, counting it in a Prometheus counter.

Arguments: the shared port, a folder to report in, and the index of a worker that should
exit with code 7 soon after it started (-1: none).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from prometheus_client import Counter

from svckit.workers import current_worker, die_with_parent, reuse_port_socket

SERVED = Counter("test_worker_served", "Connections this test worker answered.")


def report(folder: Path, name: str, text: str) -> None:
    """Writes a report whole: the test reads a file the moment it appears, and a file written
    in place can be read empty."""
    partial = folder / f".{name}.partial"
    partial.write_text(text)
    partial.replace(folder / name)


def main() -> None:
    port, folder, dying = int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    worker = current_worker()
    assert worker is not None
    die_with_parent(worker)

    def stop(signum: int, _frame: FrameType | None) -> None:
        report(folder, f"stopped-{worker.index}", signal.Signals(signum).name)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sock = reuse_port_socket("127.0.0.1", port, 64)
    report(folder, f"ready-{worker.index}", f"{os.getpid()} {worker.count}")
    if worker.index == dying:
        time.sleep(0.3)
        sys.exit(7)
    while True:
        conn, _ = sock.accept()
        SERVED.inc()
        conn.sendall(str(worker.index).encode())
        conn.close()


if __name__ == "__main__":
    main()
