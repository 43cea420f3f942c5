"""Timestamps between datetime and protobuf keep every microsecond, whatever the time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from svckit.protoconv import from_timestamp, to_timestamp

KYIV_SUMMER = timezone(timedelta(hours=3))


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2026, 11, 22, 2, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 7, 1, 0, 0, 0, 999999, tzinfo=KYIV_SUMMER),
        datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    ],
)
def test_a_moment_survives_the_round_trip(moment: datetime) -> None:
    stamp = to_timestamp(moment)
    assert stamp.ToDatetime(tzinfo=UTC) == moment
    assert from_timestamp(stamp) == moment
    assert 0 <= stamp.nanos < 1_000_000_000


def test_seconds_count_from_the_unix_epoch_in_utc() -> None:
    stamp = to_timestamp(datetime(2026, 7, 1, 3, 0, 0, 250000, tzinfo=KYIV_SUMMER))
    assert (stamp.seconds, stamp.nanos) == (1_782_864_000, 250_000_000)


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(TypeError):
        to_timestamp(datetime(2026, 1, 1))
