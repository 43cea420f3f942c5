"""Without OTEL_EXPORTER_OTLP_ENDPOINT nothing is traced: no provider, no spans, no traceparent."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from opentelemetry import trace
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.identity import Caller
from svckit.tracing import TRACEPARENT_HEADER, current_traceparent, tracing_enabled
from tests.tracing.scenario import CapturingKafka, booking_database, booking_service, relay_to


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    db_engine = booking_database("tracing_off")
    yield db_engine
    await db_engine.dispose()


async def test_a_hold_with_tracing_off_makes_no_span_and_stores_no_traceparent(
    engine: AsyncEngine,
) -> None:
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in os.environ
    assert not tracing_enabled()
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    assert isinstance(trace.get_tracer("any").start_span("any"), trace.NonRecordingSpan)

    await booking_service(engine).hold(Caller(1, "user"), 1, [101, 102])
    assert current_traceparent() is None
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT traceparent FROM outbox"))).scalars().all()
    assert stored == [None]
    kafka = CapturingKafka()
    assert await relay_to(kafka, engine).publish_batch() == 1
    [record] = kafka.records
    assert TRACEPARENT_HEADER not in dict(record.headers())
