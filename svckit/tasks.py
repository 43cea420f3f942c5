"""Background loops that restart after a failure instead of dying silently."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.2
MAX_RETRY_SECONDS = 5.0
HEALTHY_RUN_SECONDS = 10.0
"""A run that lasted this long before failing was a success: the next retry starts afresh."""


async def keep_running(
    name: str,
    loop_body: Callable[[], Awaitable[None]],
    *,
    healthy_after: float = HEALTHY_RUN_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Runs a long-lived coroutine, restarting it with capped backoff when it fails.

    The backoff grows while runs keep failing at once (an outage) and resets after a run that
    went well for a while, so the first retry of the next incident is quick again.
    """
    delay = FIRST_RETRY_SECONDS
    while True:
        started = clock()
        try:
            await loop_body()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            if _cancelled():
                # a task group gives its parent's cancellation back as an ExceptionGroup
                # when a part of it fails as it is cancelled: stop, as cancelled
                raise asyncio.CancelledError from None
            if clock() - started >= healthy_after:
                delay = FIRST_RETRY_SECONDS
            log.exception("background task %s failed; restarting in %.1fs", name, delay)
            await sleep(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)


def _cancelled() -> bool:
    """Whether someone asked the running task to stop."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


@asynccontextmanager
async def background(tasks: dict[str, Callable[[], Awaitable[None]]]) -> AsyncIterator[None]:
    """Keeps the named loops running for the duration of the block, then cancels them."""
    running = [asyncio.create_task(keep_running(n, body), name=n) for n, body in tasks.items()]
    try:
        yield
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
