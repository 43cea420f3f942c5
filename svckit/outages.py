"""Logging a dependency's outage that every request meets: a few lines, not one per request.

While Redis (or any dependency with a fallback) is away, each request that falls back would
otherwise log the same warning with its traceback, the costliest thing a request does at the
moment the process is busiest, and a flood that hides everything else in the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

REPEAT_SECONDS = 60.0
"""How often an outage that goes on is logged again, with the failures counted since."""


class OutageLog:
    """The log of one dependency's outages, as the requests that meet them report them.

    The first failure of an outage is logged with its traceback; while it goes on, one line
    every `repeat_seconds` counts the failures since the last line; the first success after it
    logs that the outage is over and how many failures it had.
    """

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        repeat_seconds: float = REPEAT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.what = what
        self.repeat_seconds = repeat_seconds
        self.clock = clock
        self.failures = 0
        """Failures in the outage going on (0: none is)."""
        self._unlogged = 0
        self._logged_at = 0.0

    @property
    def ongoing(self) -> bool:
        return self.failures > 0

    def failed(self) -> None:
        """Counts one failure; call it in the `except` block that caught it."""
        self.failures += 1
        now = self.clock()
        if self.failures == 1:
            self.logger.warning("%s", self.what, exc_info=True)
            self._logged_at = now
        elif now - self._logged_at >= self.repeat_seconds:
            self.logger.warning(
                "%s (still; %d failures in the last %.0f s)",
                self.what,
                self._unlogged + 1,
                now - self._logged_at,
            )
            self._unlogged = 0
            self._logged_at = now
        else:
            self._unlogged += 1

    def succeeded(self) -> None:
        """Ends the outage going on, if one is; costs nothing when none is."""
        if self.failures:
            self.logger.info("over: %s (%d failures)", self.what, self.failures)
            self.failures = 0
            self._unlogged = 0
