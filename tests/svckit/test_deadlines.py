"""The deadline loop: drains full batches, then sleeps until the next deadline, capped."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from svckit.deadlines import BUSY_RETRY_SECONDS, OVERSLEEP_SECONDS, DeadlineLoop


class Work:
    def __init__(self, batches: list[int], until: float | None) -> None:
        self.batches = batches
        self.calls = 0
        self.until = until
        self.called = asyncio.Event()

    async def __call__(self, limit: int) -> int:
        self.calls += 1
        self.called.set()
        return self.batches.pop(0) if self.batches else 0

    async def seconds_until_due(self) -> float | None:
        return self.until


async def test_full_batches_are_repeated_until_one_is_not_full() -> None:
    work = Work([3, 3, 1], until=None)
    loop = DeadlineLoop("t", work, work.seconds_until_due, batch_size=3, max_sleep=5)
    await loop.run_once()
    assert work.calls == 3


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (None, 5.0),
        (60.0, 5.0),
        (0.3, 0.3 + OVERSLEEP_SECONDS),
        (-1.0, BUSY_RETRY_SECONDS),
    ],
)
async def test_the_sleep_lasts_until_the_next_deadline_at_most_the_cap(
    until: float | None, expected: float
) -> None:
    work = Work([], until=until)
    loop = DeadlineLoop("t", work, work.seconds_until_due, batch_size=3, max_sleep=5)
    assert await loop.run_once() == pytest.approx(expected)


async def test_wake_ends_the_sleep_early() -> None:
    work = Work([], until=None)
    loop = DeadlineLoop("t", work, work.seconds_until_due, batch_size=3, max_sleep=30)
    running = asyncio.create_task(loop.run())
    try:
        await asyncio.wait_for(work.called.wait(), 5)
        work.called.clear()
        loop.wake()
        await asyncio.wait_for(work.called.wait(), 5)
        assert work.calls == 2
    finally:
        running.cancel()


async def test_a_hold_due_after_the_planned_wake_up_does_not_wake_the_loop() -> None:
    work = Work([], until=None)
    loop = DeadlineLoop("t", work, work.seconds_until_due, batch_size=3, max_sleep=30)
    running = asyncio.create_task(loop.run())
    try:
        await asyncio.wait_for(work.called.wait(), 5)
        work.called.clear()
        loop.wake_for(time.time() + 900)
        await asyncio.sleep(0.2)
        assert work.calls == 1
        loop.wake_for(time.time() + 1)
        await asyncio.wait_for(work.called.wait(), 5)
        assert work.calls == 2
    finally:
        running.cancel()


class SlowPlanning(Work):
    """Work whose planning takes a while, so news can arrive in the middle of it."""

    def __init__(self) -> None:
        super().__init__([], until=None)
        self.planning = asyncio.Event()
        self.go_on = asyncio.Event()

    async def seconds_until_due(self) -> float | None:
        self.planning.set()
        await self.go_on.wait()
        return None


async def test_news_while_planning_wakes_the_loop_only_if_due_before_its_wake_up() -> None:
    work = SlowPlanning()
    loop = DeadlineLoop("t", work, work.seconds_until_due, batch_size=3, max_sleep=30)
    running = asyncio.create_task(loop.run())
    try:
        await asyncio.wait_for(work.planning.wait(), 5)
        loop.wake_for(time.time() + 900)  # a hold of a flash sale, due long after the plan
        work.go_on.set()
        await asyncio.sleep(0.2)
        assert work.calls == 1
        work.planning.clear()
        work.go_on.clear()
        loop.wake()
        await asyncio.wait_for(work.planning.wait(), 5)
        loop.wake_for(time.time() + 1)  # due before the planned 30 s: look again
        work.go_on.set()
        await asyncio.wait_for(_calls(work, 3), 5)
    finally:
        running.cancel()


async def _calls(work: Work, count: int) -> None:
    while work.calls < count:  # noqa: ASYNC110 - the fake work has no event per call
        await asyncio.sleep(0.01)


class BlockedDrain(Work):
    """Work whose first batch runs until `finish` is set, as a burst of due rows does."""

    def __init__(self) -> None:
        super().__init__([], until=None)
        self.finish = asyncio.Event()

    async def __call__(self, limit: int) -> int:
        await super().__call__(limit)
        await self.finish.wait()
        return 0


@contextlib.asynccontextmanager
async def running(work: Work) -> AsyncIterator[DeadlineLoop]:
    """A deadline loop of `work`, running, once it has called the work the first time."""
    loop = DeadlineLoop("t", work, work.seconds_until_due, batch_size=3, max_sleep=30)
    task = asyncio.create_task(loop.run())
    try:
        await asyncio.wait_for(work.called.wait(), 5)
        yield loop
    finally:
        if isinstance(work, BlockedDrain):
            work.finish.set()
        task.cancel()


async def test_after_drain_returns_at_once_when_the_loop_is_not_draining() -> None:
    work = Work([], until=None)
    idle = DeadlineLoop("t", work, work.seconds_until_due, batch_size=3, max_sleep=30)
    await asyncio.wait_for(idle.after_drain(30), 0.5)
    async with running(work) as loop:
        await asyncio.sleep(0.05)  # the loop sleeps now
        await asyncio.wait_for(loop.after_drain(30), 0.5)


async def test_after_drain_waits_for_a_running_drain_to_end() -> None:
    work = BlockedDrain()
    async with running(work) as loop:
        waiting = asyncio.create_task(loop.after_drain(30))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        work.finish.set()
        await asyncio.wait_for(waiting, 1)


async def test_after_drain_waits_no_longer_than_it_was_given_from_the_drains_start() -> None:
    async with running(BlockedDrain()) as loop:
        started = time.monotonic()
        await asyncio.wait_for(loop.after_drain(0.3), 5)
        assert 0.2 < time.monotonic() - started < 1.0
        await asyncio.wait_for(loop.after_drain(0.3), 0.1)  # the drain has had its time
