"""The wire vocabulary: labels follow the protobuf enums, and nobody else keeps a copy."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

import pytest

from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.events.v1 import events_pb2
from svckit import vocabulary
from svckit.vocabulary import (
    BOOKING_STATUS,
    CANCEL_REASON,
    MOVIE_STATUS,
    PAYMENT_STATUS,
    ROLE,
    SALES_GROUPING,
    SEAT_STATUS,
    SEAT_TYPE,
    SESSION_STATUS,
    EventType,
    Labels,
    Topic,
)

ROOT = Path(__file__).resolve().parents[2]
WRITTEN_CODE = ("svckit", "gateway", "user_svc", "movie_svc", "cinema_svc", "booking_svc")
SCANNED = (*WRITTEN_CODE, "deploy", "bench")
ENUMS = "SEAT_TYPE|SESSION_STATUS|BOOKING_STATUS|PAYMENT_STATUS|SEAT_STATUS|CANCEL_REASON|"
ENUMS += "MOVIE_STATUS|ROLE|SALES_GROUPING"
HAND_KEPT_MAP = re.compile(
    rf"_pb2\.({ENUMS})_[A-Z_]+\s*:|:\s*\w+_pb2\.({ENUMS})_[A-Z_]+\b|\.Value\(f\"({ENUMS})_"
)
"""An enum constant as a dict key or value, or an enum name built from a label."""
LABEL_LITERAL = re.compile(r'Literal\[\s*"(standard|scheduled|pending|free|coming_soon|user)"')
TOPIC_LITERAL = re.compile(
    "|".join(re.escape(f'"{name}"') for name in {*Topic, *EventType} if "." in name)
)


@pytest.mark.parametrize(
    ("labels", "literal"),
    [
        (SEAT_TYPE, vocabulary.SeatType),
        (SESSION_STATUS, vocabulary.SessionStatus),
        (BOOKING_STATUS, vocabulary.BookingStatus),
        (PAYMENT_STATUS, vocabulary.PaymentStatus),
        (SEAT_STATUS, vocabulary.SeatStatus),
        (CANCEL_REASON, vocabulary.CancelReason),
        (MOVIE_STATUS, vocabulary.MovieStatus),
        (ROLE, vocabulary.Role),
        (SALES_GROUPING, vocabulary.SalesGrouping),
    ],
)
def test_each_literal_type_spells_exactly_the_labels_of_its_protobuf_enum(
    labels: Labels[Any], literal: Any
) -> None:
    assert get_args(literal) == labels.labels


def test_labels_are_the_enum_names_without_prefix_in_lower_case() -> None:
    assert SEAT_TYPE.label(cinema_pb2.SEAT_TYPE_WHEELCHAIR) == "wheelchair"
    assert SEAT_TYPE.number("vip") == cinema_pb2.SEAT_TYPE_VIP
    assert CANCEL_REASON.label(events_pb2.CANCEL_REASON_CANCELLED_BY_USER) == "cancelled_by_user"
    assert "session_cancelled" in CANCEL_REASON
    assert "by_user" not in CANCEL_REASON


def test_an_unset_value_reads_as_its_default_only_where_one_is_declared() -> None:
    assert SEAT_TYPE.label(0) == "standard"
    assert CANCEL_REASON.label(0) == ""
    with pytest.raises(ValueError, match="unknown"):
        BOOKING_STATUS.label(0)


def test_unknown_numbers_and_labels_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        SEAT_TYPE.label(99)
    with pytest.raises(ValueError, match="unknown"):
        SEAT_TYPE.number("balcony")
    with pytest.raises(ValueError, match="unknown"):
        SEAT_TYPE.number("unspecified")


def test_every_topic_has_its_event_type() -> None:
    assert set(vocabulary.EVENT_TYPE_OF_TOPIC) == set(Topic)
    assert set(vocabulary.TOPIC_PARTITIONS) == set(Topic)


def _offending_lines(pattern: re.Pattern[str]) -> list[str]:
    found = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "svckit" / "vocabulary.py" or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_enum_label_map_is_kept_outside_the_vocabulary() -> None:
    assert _offending_lines(HAND_KEPT_MAP) == []
    assert _offending_lines(LABEL_LITERAL) == []


def test_no_topic_name_or_event_type_is_spelled_outside_the_vocabulary() -> None:
    assert _offending_lines(TOPIC_LITERAL) == []


def test_the_scan_finds_a_hand_kept_map_when_there_is_one() -> None:
    assert HAND_KEPT_MAP.search('    cinema_pb2.SEAT_TYPE_VIP: "vip",')
    assert HAND_KEPT_MAP.search('    "vip": cinema_pb2.SEAT_TYPE_VIP,')
    assert HAND_KEPT_MAP.search('movie_pb2.MovieStatus.Value(f"MOVIE_STATUS_{label.upper()}")')
    assert TOPIC_LITERAL.search('topic = "booking.created"')
    assert not HAND_KEPT_MAP.search("status=booking_pb2.SEAT_STATUS_FREE,")


def test_the_unspecified_label_maps_back_to_zero_where_one_is_declared() -> None:
    assert CANCEL_REASON.number("") == events_pb2.CANCEL_REASON_UNSPECIFIED
    with pytest.raises(ValueError, match="unknown"):
        BOOKING_STATUS.number("")
