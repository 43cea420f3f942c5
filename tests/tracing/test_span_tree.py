"""One hold, traced: from the REST request to the live push and the notification, one trace."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from svckit.tracing import TRACEPARENT_HEADER

Span = dict[str, Any]


@pytest.fixture(scope="module")
def traced_hold() -> dict[str, Any]:
    """What `tests.tracing.traced_hold` saw, run in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.tracing.traced_hold"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    outcome: dict[str, Any] = json.loads(done.stdout)
    return outcome


def only(spans: list[Span], name: str, kind: str) -> Span:
    found = [span for span in spans if span["name"] == name and span["kind"] == kind]
    assert len(found) == 1, (name, kind, found)
    return found[0]


def parent_of(traceparent: str) -> Span:
    """The span a W3C traceparent names, as its trace and span id."""
    version, trace_id, span_id, _flags = traceparent.split("-")
    assert version == "00"
    return {"trace_id": trace_id, "span_id": span_id}


def test_a_hold_is_one_trace_from_the_request_to_both_consumers(
    traced_hold: dict[str, Any],
) -> None:
    spans: list[Span] = traced_hold["spans"]
    request = only(spans, "POST /api/bookings", "SERVER")
    assert request["parent_id"] is None
    method = "/cinemapb.booking.v1.BookingService/CreateBooking"
    call = only(spans, method, "CLIENT")
    served = only(spans, method, "SERVER")
    publish = only(spans, "tracing.booking.created publish", "PRODUCER")
    receipts = [span for span in spans if span["kind"] == "CONSUMER"]
    notify = only(spans, "notify", "INTERNAL")
    trace = [request, call, served, publish, *receipts, notify]
    assert {span["trace_id"] for span in trace} == {request["trace_id"]}

    assert call["parent_id"] == request["span_id"]
    assert served["parent_id"] == call["span_id"]
    statements = [
        span
        for span in spans
        if span["kind"] == "CLIENT" and span["parent_id"] == served["span_id"]
    ]
    assert {span["trace_id"] for span in statements} == {request["trace_id"]}
    assert any(span["name"] == "WITH" for span in statements), "the outbox insert"
    assert publish["parent_id"] == served["span_id"]
    assert len(receipts) == 2
    assert {span["parent_id"] for span in receipts} == {publish["span_id"]}
    assert notify["parent_id"] in {span["span_id"] for span in receipts}


def test_the_traceparent_travels_in_the_outbox_row_and_the_record_header(
    traced_hold: dict[str, Any],
) -> None:
    spans: list[Span] = traced_hold["spans"]
    served = only(spans, "/cinemapb.booking.v1.BookingService/CreateBooking", "SERVER")
    publish = only(spans, "tracing.booking.created publish", "PRODUCER")
    assert parent_of(traced_hold["stored_traceparent"]).items() <= served.items()
    [headers] = traced_hold["headers"]
    assert parent_of(headers[TRACEPARENT_HEADER]).items() <= publish.items()
    assert traced_hold["live_changes"] == 1
