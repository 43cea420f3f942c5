"""The gateway raises its open-file soft limit so that 2,000+ connections fit."""

from __future__ import annotations

import subprocess
import sys
import textwrap

STARTED_LOW = textwrap.dedent(
    """
    import resource
    from gateway.sockets import raise_open_file_limit
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, ({low}, hard))
    answered = raise_open_file_limit({needed})
    now = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    print(answered, now, hard)
    """
)


def limits_after(low: int, needed: int) -> tuple[int, int, int]:
    """In a process of its own (this one's limit stays): answered, soft now, hard."""
    script = STARTED_LOW.format(low=low, needed=needed)
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    answered, now, hard = (int(part) for part in out.split())
    return answered, now, hard


def test_a_soft_limit_below_what_is_needed_is_raised_to_the_hard_limit() -> None:
    answered, now, hard = limits_after(low=256, needed=512)
    assert now == answered == hard


def test_a_soft_limit_that_is_enough_is_left_alone() -> None:
    answered, now, _hard = limits_after(low=512, needed=256)
    assert now == answered == 512
