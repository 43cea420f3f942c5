"""Log lines name the trace they were written in, and only then."""

from __future__ import annotations

import json
import logging

from opentelemetry import trace

from svckit.logging import JsonFormatter

TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C


def logged_line() -> dict[str, object]:
    record = logging.LogRecord("test", logging.INFO, __file__, 1, "hello", None, None)
    line: dict[str, object] = json.loads(JsonFormatter("svc").format(record))
    return line


def test_a_line_written_inside_a_span_carries_its_trace_id() -> None:
    context = trace.SpanContext(TRACE_ID, 0xB7AD6B7169203331, is_remote=False)
    with trace.use_span(trace.NonRecordingSpan(context)):
        assert logged_line()["trace_id"] == "0af7651916cd43dd8448eb211c80319c"


def test_a_line_written_outside_any_span_has_no_trace_id() -> None:
    assert "trace_id" not in logged_line()
