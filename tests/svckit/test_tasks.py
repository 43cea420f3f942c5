"""Background loops restart after failures, and a healthy run resets their backoff."""

from __future__ import annotations

import asyncio

import pytest

from svckit.tasks import FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS, keep_running


class ScriptedLoop:
    """A loop body that, run after run, lasts the scripted seconds and then fails or returns."""

    def __init__(self, runs: list[tuple[float, bool]]) -> None:
        self.runs = runs
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def body(self) -> None:
        lasts, fails = self.runs.pop(0)
        self.now += lasts
        if fails:
            raise RuntimeError("database restarting")


class Sleeps(list[float]):
    async def sleep(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def slept() -> Sleeps:
    return Sleeps()


async def test_failures_in_a_row_back_off_up_to_the_cap(slept: Sleeps) -> None:
    loop = ScriptedLoop([(0.1, True)] * 8 + [(0.1, False)])
    await keep_running(
        "expirer", loop.body, healthy_after=10.0, clock=loop.clock, sleep=slept.sleep
    )
    assert slept[:3] == [FIRST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2, FIRST_RETRY_SECONDS * 4]
    assert slept[-1] == MAX_RETRY_SECONDS


async def test_the_first_retry_of_the_next_incident_is_quick_again(slept: Sleeps) -> None:
    first_incident = [(0.1, True)] * 6
    healthy_hour_then_failure = [(3600.0, True)]
    loop = ScriptedLoop([*first_incident, *healthy_hour_then_failure, (0.1, False)])
    await keep_running(
        "expirer", loop.body, healthy_after=10.0, clock=loop.clock, sleep=slept.sleep
    )
    assert slept[5] == MAX_RETRY_SECONDS
    assert slept[6] == FIRST_RETRY_SECONDS


async def test_a_loop_cancelled_while_a_part_of_it_fails_stops() -> None:
    """A task group turns a cancellation that meets a failing child into an ExceptionGroup:
    the loop must stop, not take it for a failure and start again (a gateway whose Redis
    connection failed as it stopped ran on until it was killed)."""
    starts = 0

    async def fails_when_cancelled() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise ConnectionError("connection lost while stopping") from None

    async def body() -> None:
        nonlocal starts
        starts += 1
        if starts > 1:
            return  # started again: the cancellation was lost
        async with asyncio.TaskGroup() as parts:
            parts.create_task(fails_when_cancelled())

    running = asyncio.create_task(keep_running("catalogue-invalidations", body))
    await asyncio.sleep(0.05)
    running.cancel()
    await asyncio.wait([running], timeout=5)
    assert running.cancelled(), f"{starts} starts"
