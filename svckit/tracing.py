"""OpenTelemetry tracing: one setup per process, and the trace's way through the outbox and Kafka.

Tracing is on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: spans go there over OTLP/gRPC (the
exporter reads the other standard `OTEL_*` variables itself). Otherwise nothing is instrumented
and the API's no-op tracer provider stays in place, so no span object is ever made (the SDK's
exporter and instrumentations are not even imported).

The W3C `traceparent` of the change that queued an event is stored in its outbox row; the relay
publishes the record in a child span and sends that span's traceparent in the record's
`ce_traceparent` header (the CloudEvents distributed-tracing extension, Kafka binary mode), and
consumers continue the trace from it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

from confluent_kafka import Message
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from svckit.kafka import headers_dict

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider

TRACEPARENT = "traceparent"
TRACEPARENT_HEADER = "ce_" + TRACEPARENT
"""The record header carrying the traceparent (CloudEvents extension, Kafka binary mode)."""

_propagator = TraceContextTextMapPropagator()
_tracer = trace.get_tracer("svckit")
_enabled = False


ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
"""Read by every process; the OTLP exporter reads the other standard `OTEL_*` variables."""


def tracing_enabled() -> bool:
    """True once this process exports spans (`setup_tracing` found an endpoint, or a test)."""
    return _enabled


def setup_tracing(service: str) -> None:
    """Exports this process's spans over OTLP if `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

    Called once per process before any server, channel or connection is made; later calls
    and calls without an endpoint do nothing.
    """
    if _enabled or not os.environ.get(ENDPOINT_VARIABLE):
        return
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or service
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    install_tracing(provider)


def install_tracing(provider: TracerProvider) -> None:
    """Makes `provider` the process's tracer provider and instruments gRPC and psycopg."""
    from opentelemetry.instrumentation.grpc import (
        GrpcAioInstrumentorClient,
        GrpcAioInstrumentorServer,
    )
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    global _enabled
    if _enabled:
        return
    trace.set_tracer_provider(provider)
    GrpcAioInstrumentorServer().instrument()  # type: ignore[no-untyped-call]
    GrpcAioInstrumentorClient().instrument()  # type: ignore[no-untyped-call]
    PsycopgInstrumentor().instrument(enable_commenter=False)
    _enabled = True


def instrument_app(app: FastAPI) -> None:
    """Traces every HTTP request and WebSocket of `app`, if tracing is on."""
    if _enabled:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, exclude_spans=["receive", "send"])


@contextmanager
def untraced() -> Iterator[None]:
    """No instrumentation spans for the block: for a loop's housekeeping statements."""
    if not _enabled:
        yield
        return
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    with suppress_instrumentation():
        yield


def current_traceparent() -> str | None:
    """The W3C traceparent of the active span, or None outside any (always, with tracing off)."""
    if not _enabled:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(TRACEPARENT)


def publish_span(topic: str, traceparent: str | None) -> Span | None:
    """A producer span, child of the event's stored traceparent, for publishing it to `topic`.

    None when tracing is off or the event was queued outside any trace. The caller ends it.
    """
    if not _enabled or not traceparent:
        return None
    parent = _propagator.extract({TRACEPARENT: traceparent})
    return _tracer.start_span(f"{topic} publish", context=parent, kind=SpanKind.PRODUCER)


def span_traceparent(span: Span) -> str | None:
    """The traceparent that makes a receiver's span a child of `span`."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, trace.set_span_in_context(span))
    return carrier.get(TRACEPARENT)


def _receive_span(record: Message, consumer: str) -> Span | None:
    traceparent = headers_dict(record).get(TRACEPARENT_HEADER)
    if not traceparent:
        return None
    parent = _propagator.extract({TRACEPARENT: traceparent})
    return _tracer.start_span(
        f"{record.topic()} receive",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes={"messaging.system": "kafka", "messaging.consumer.group.name": consumer},
    )


@contextmanager
def receiving(record: Message, consumer: str) -> Iterator[None]:
    """Handles one record inside a consumer span that continues the record's trace."""
    span = _receive_span(record, consumer) if _enabled else None
    if span is None:
        yield
        return
    with trace.use_span(span, end_on_exit=True):
        yield


@contextmanager
def received(records: Sequence[Message], consumer: str) -> Iterator[None]:
    """Handles a batch of records with one consumer span per traced record, ended together."""
    if not _enabled:
        yield
        return
    with ExitStack() as spans:
        for record in records:
            if record.error() is None and (span := _receive_span(record, consumer)) is not None:
                spans.callback(span.end)
        yield
