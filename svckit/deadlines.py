"""Loops driven by deadlines: drain what is due in batches, then sleep until the next one.

Used for holds that expire, sessions that end and reminders that fall due. The sleep lasts
until the next deadline the database knows of, at most a few seconds, and ends early when
something due sooner appears. Several replicas may run the same loop: the work itself takes
rows with `FOR UPDATE SKIP LOCKED`, so they never do the same row twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

MAX_SLEEP_SECONDS = 5.0
OVERSLEEP_SECONDS = 0.005
"""Sleep this much past a deadline so the database clock surely sees it as due."""
BUSY_RETRY_SECONDS = 0.05
"""Something is due but another transaction holds it: look again shortly, not in a spin."""


class DeadlineLoop:
    """Runs `work(batch_size)` until a batch is not full, then sleeps until the next deadline."""

    def __init__(
        self,
        name: str,
        work: Callable[[int], Awaitable[int]],
        seconds_until_due: Callable[[], Awaitable[float | None]],
        *,
        batch_size: int = 500,
        max_sleep: float = MAX_SLEEP_SECONDS,
    ) -> None:
        self.name = name
        self.work = work
        self.seconds_until_due = seconds_until_due
        self.batch_size = batch_size
        self.max_sleep = max_sleep
        self._wake = asyncio.Event()
        self._planning = True
        self._wake_at = 0.0
        self._heard_while_planning = math.inf
        """The earliest deadline told while planning, judged once the plan is made."""
        self._drain_started: float | None = None
        self._drained = asyncio.Event()
        self._drained.set()

    def wake(self) -> None:
        """Re-plans the sleep now (a deadline earlier than the planned wake-up may exist)."""
        self._wake.set()

    def wake_for(self, deadline: float) -> None:
        """Re-plans only if `deadline` (epoch seconds) comes before the planned wake-up.

        A flash sale makes thousands of holds that are all due after the next planned look,
        so they cost the loop nothing. News that comes while the loop is planning (its query
        may not have seen it) is kept and wakes the loop only if it is due before the plan's
        wake-up: otherwise a steady stream of holds would keep the loop planning without end.
        """
        if self._planning:
            self._heard_while_planning = min(self._heard_while_planning, deadline)
        elif deadline < self._wake_at:
            self._wake.set()

    async def after_drain(self, at_most: float) -> None:
        """Returns when the loop is not draining, or once the running drain has had `at_most`
        seconds: other work of the process may wait for a burst of due rows to go first."""
        if self._drain_started is None:
            return
        left = self._drain_started + at_most - time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._drained.wait(), max(left, 0.0))

    async def run_once(self) -> float:
        """Drains what is due; returns how long to sleep before looking again."""
        self._drain_started = time.monotonic()
        self._drained.clear()
        try:
            while (done := await self.work(self.batch_size)) >= self.batch_size:
                log.debug("%s: %d done, more due", self.name, done)
        finally:
            self._drain_started = None
            self._drained.set()
        until = await self.seconds_until_due()
        if until is None:
            return self.max_sleep
        if until <= 0:
            return BUSY_RETRY_SECONDS
        return min(until + OVERSLEEP_SECONDS, self.max_sleep)

    async def run(self) -> None:
        while True:
            self._wake.clear()
            self._planning = True
            self._heard_while_planning = math.inf
            delay = await self.run_once()
            self._wake_at = time.time() + delay
            self._planning = False
            if self._heard_while_planning < self._wake_at:
                self._wake.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)


async def every(seconds: float, chore: Callable[[], Awaitable[object]]) -> None:
    """Runs a housekeeping chore now and then, for as long as the service runs."""
    while True:
        await chore()
        await asyncio.sleep(seconds)
