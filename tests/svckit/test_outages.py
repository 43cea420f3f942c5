"""svckit.outages.OutageLog: an outage that every request meets is logged in a few lines."""

from __future__ import annotations

import logging

import pytest

from svckit.outages import OutageLog
from tests.helpers import ManualClock

log = logging.getLogger("tests.outages")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def outage(clock: ManualClock) -> OutageLog:
    return OutageLog(log, "Redis unavailable", repeat_seconds=60, clock=clock)


def fail(outage: OutageLog) -> None:
    try:
        raise ConnectionError("refused")
    except ConnectionError:
        outage.failed()


def lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == log.name]


def test_the_first_failure_is_logged_with_its_traceback_and_the_next_ones_are_not(
    clock: ManualClock, outage: OutageLog, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=log.name):
        for _ in range(500):
            clock.now += 0.01
            fail(outage)
    [first] = lines(caplog)
    assert first.levelno == logging.WARNING
    assert first.getMessage() == "Redis unavailable"
    assert first.exc_info is not None
    assert first.exc_info[0] is ConnectionError
    assert outage.ongoing
    assert outage.failures == 500


def test_an_outage_that_goes_on_is_logged_again_each_interval_with_the_failures_since(
    clock: ManualClock, outage: OutageLog, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=log.name):
        fail(outage)
        for _ in range(30):
            clock.now += 5
            fail(outage)
    messages = [r.getMessage() for r in lines(caplog)]
    assert messages == [
        "Redis unavailable",
        "Redis unavailable (still; 12 failures in the last 60 s)",
        "Redis unavailable (still; 12 failures in the last 60 s)",
    ]
    assert all(r.exc_info is None for r in lines(caplog)[1:])


def test_the_first_success_ends_the_outage_and_the_next_failure_starts_a_new_one(
    outage: OutageLog, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=log.name):
        outage.succeeded()
        for _ in range(3):
            fail(outage)
        outage.succeeded()
        outage.succeeded()
        fail(outage)
    records = lines(caplog)
    assert [r.getMessage() for r in records] == [
        "Redis unavailable",
        "over: Redis unavailable (3 failures)",
        "Redis unavailable",
    ]
    assert records[1].levelno == logging.INFO
    assert records[2].exc_info is not None
    assert outage.failures == 1
