"""A bound on how long a process may take to stop once it has been told to."""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

STOP_DEADLINE_SECONDS = 15.0
"""From the stop signal to the process's end: the gRPC grace (5 s) and the longest close of
what the process holds (the outbox relay's last flush, 5 s; the live feed's close frames)
fit in it; Kubernetes' grace periods (services 30 s, the gateway 45 s with its 10 s preStop)
are longer."""
OVERRUN_EXIT_CODE = 70
"""The exit status of a process ended by the deadline (EX_SOFTWARE)."""

_timer: threading.Timer | None = None


def end_if_stop_overruns(name: str) -> None:
    """Ends this process if it is still there STOP_DEADLINE_SECONDS from now; idempotent.

    Called when a stop begins. A close that never returns (a Kafka consumer leaving its group
    while the broker is busy can wait indefinitely; confluent-kafka-python #1667) would
    otherwise keep the process alive, holding its port, after its supervisor is gone: nothing
    else ends a service whose `make run` was killed. The overrun is logged with every
    thread's stack, so the stuck close can be found.
    """
    global _timer
    if _timer is None:
        _timer = threading.Timer(STOP_DEADLINE_SECONDS, _end, args=(name, STOP_DEADLINE_SECONDS))
        _timer.daemon = True
        _timer.start()


def _end(name: str, seconds: float) -> None:
    log.error("%s: stopping took longer than %.0fs; ending the process", name, seconds)
    with contextlib.suppress(OSError, ValueError):  # stderr may be closed or not a file
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
    os._exit(OVERRUN_EXIT_CODE)
