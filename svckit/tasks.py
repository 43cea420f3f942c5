"""Background loops that restart after a failure instead of dying silently."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

log = logging.getLogger(__name__)


async def keep_running(name: str, loop_body: Callable[[], Awaitable[None]]) -> None:
    """Runs a long-lived coroutine, restarting it with capped backoff when it fails."""
    delay = 0.2
    while True:
        try:
            await loop_body()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task %s failed; restarting in %.1fs", name, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


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
