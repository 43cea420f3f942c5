"""Runs an outbox relay on a thread with its own event loop and its own database engine.

The relay's reads, marks and Kafka flushes then never wait in line with the requests on the
service's event loop. Leadership is unchanged: the relay still takes the advisory lock on
its own connection, so one relay per database publishes whatever the threads and replicas.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import uvloop
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.db import make_engine
from svckit.outbox.relay import OutboxRelay

RELAY_POOL_SIZE = 2
"""The relay uses one pooled connection at a time (its leader connection is separate)."""


class RelayThread:
    """A relay made by `make_relay` from an engine on `dsn`, run in a thread of its own."""

    def __init__(self, make_relay: Callable[[AsyncEngine], OutboxRelay], dsn: str) -> None:
        self.make_relay = make_relay
        self.dsn = dsn
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def run(self) -> None:
        """Relays until cancelled; then stops the thread (flushing the producer) and returns.

        An error that ends the relay is raised here, so the caller's supervisor restarts it.
        """
        caller = asyncio.get_running_loop()
        finished: asyncio.Future[None] = caller.create_future()
        with self._lock:
            self._stopping = False

        def report(error: BaseException | None) -> None:
            if finished.done():
                return
            if error is None:
                finished.set_result(None)
            else:
                finished.set_exception(error)

        def main() -> None:
            error: BaseException | None = None
            try:
                uvloop.run(self._serve())
            except asyncio.CancelledError:
                pass
            except BaseException as raised:  # handed to the caller's loop, raised there
                error = raised
            caller.call_soon_threadsafe(report, error)

        thread = threading.Thread(target=main, name="outbox-relay", daemon=True)
        thread.start()
        try:
            await asyncio.shield(finished)
        except asyncio.CancelledError:
            self._stop()
            await asyncio.shield(finished)
            raise
        finally:
            thread.join(timeout=10.0)

    async def _serve(self) -> None:
        engine = make_engine(self.dsn, pool_size=RELAY_POOL_SIZE)
        relay = self.make_relay(engine)
        try:
            with self._lock:
                if self._stopping:
                    return
                self._loop = asyncio.get_running_loop()
                self._task = asyncio.current_task()
            await relay.run()
        finally:
            with self._lock:
                self._loop = self._task = None
            relay.close()
            await engine.dispose()

    def _stop(self) -> None:
        """Cancels the relay's task on its own loop (or keeps it from starting)."""
        with self._lock:
            self._stopping = True
            if self._loop is not None and self._task is not None:
                self._loop.call_soon_threadsafe(self._task.cancel)
