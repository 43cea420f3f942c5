"""Reading cinema_svc's SessionChanged records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking_svc.session_events import session_update
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.events.v1 import events_pb2
from svckit.protoconv import to_timestamp

START = datetime(2031, 5, 1, 18, 0, tzinfo=UTC)


def record(status: cinema_pb2.SessionStatus.ValueType, session_id: int = 42) -> bytes:
    session = cinema_pb2.Session(
        id=session_id,
        hall_id=3,
        start_time=to_timestamp(START),
        end_time=to_timestamp(START + timedelta(hours=2)),
        status=status,
    )
    return events_pb2.SessionChanged(event_id="e-1", session=session).SerializeToString()


@pytest.mark.parametrize(
    ("status", "cancelled"),
    [
        (cinema_pb2.SESSION_STATUS_SCHEDULED, False),
        (cinema_pb2.SESSION_STATUS_ONGOING, False),
        (cinema_pb2.SESSION_STATUS_CANCELLED, True),
    ],
)
def test_a_record_tells_the_session_its_times_and_whether_it_is_cancelled(
    status: cinema_pb2.SessionStatus.ValueType, cancelled: bool
) -> None:
    update = session_update(record(status))
    assert update is not None
    assert update.session_id == 42
    assert (update.starts_at, update.ends_at) == (START, START + timedelta(hours=2))
    assert update.cancelled is cancelled


@pytest.mark.parametrize(
    "value",
    [
        None,
        b"",
        b"\xff\xfe not protobuf",
        record(cinema_pb2.SESSION_STATUS_SCHEDULED, session_id=0),
    ],
)
def test_a_record_that_names_no_session_is_skipped(value: bytes | None) -> None:
    assert session_update(value) is None
