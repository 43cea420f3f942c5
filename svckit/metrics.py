"""Prometheus metrics every service shares: gRPC calls and Kafka consumer lag.

Each gRPC service serves them over HTTP on its own port (`<SVC>_METRICS_PORT`); the gateway
serves it on `GATEWAY_METRICS_PORT`. Only counters, histograms and gauges set
by loops that already run: nothing here costs a query or a network call per request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import grpc
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    start_http_server,
)

log = logging.getLogger(__name__)

# No `*_created` series: they double what is scraped and dashboards do not use them.
disable_created_metrics()  # type: ignore[no-untyped-call]

LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
"""Seconds from when something was due (or written) to when it was done."""

RPC_HANDLED = Counter(
    "grpc_server_handled_total",
    "gRPC calls completed by the server, by method and status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
RPC_SECONDS = Histogram(
    "grpc_server_handling_seconds",
    "Time the server took to answer a gRPC call.",
    ["grpc_service", "grpc_method"],
)
RPC_WORKER_CALLS = Counter(
    "grpc_server_worker_calls_total",
    "gRPC calls answered, by the worker process that answered them (svckit/workers.py).",
    ["worker"],
)
CONSUMER_LAG = Gauge(
    "kafka_consumer_lag",
    "Records a consumer has yet to read: high watermark minus position, summed per topic.",
    ["consumer", "topic"],
    multiprocess_mode="liveall",  # several workers (svckit/workers.py): one series per worker
)


@cache
def _rpc_labels(full_method: str) -> tuple[str, str]:
    """'/pkg.Service/Method' -> ('pkg.Service', 'Method')."""
    service, _, method = full_method.lstrip("/").rpartition("/")
    return service, method


def observe_rpc(full_method: str, code: grpc.StatusCode, seconds: float) -> None:
    """Counts one finished gRPC call and its duration."""
    service, method = _rpc_labels(full_method)
    RPC_HANDLED.labels(service, method, code.name).inc()
    RPC_SECONDS.labels(service, method).observe(seconds)


def lag_by_topic(consumer: Any) -> dict[str, int]:
    """High watermark minus position over the consumer's assigned partitions, per topic.

    Uses the watermarks the consumer already knows from its fetches (no broker round trip);
    a partition whose position or watermark is not known yet counts as no lag.
    """
    assigned = consumer.assignment()
    lag = {partition.topic: 0 for partition in assigned}
    for partition in consumer.position(assigned) if assigned else []:
        if partition.offset < 0:
            continue
        _low, high = consumer.get_watermark_offsets(partition, cached=True)
        if high >= 0:
            lag[partition.topic] += max(high - partition.offset, 0)
    return lag


class ConsumerLag:
    """Keeps `kafka_consumer_lag{consumer=name}` current from a consumer's poll loop.

    Call `refresh(consumer)` after each poll, from the thread that polls; it does the work at
    most once per `interval` seconds and costs no network call.
    """

    def __init__(
        self,
        name: str,
        *,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.interval = interval
        self.clock = clock
        self._due = 0.0
        self._topics: set[str] = set()

    def refresh(self, consumer: Any) -> None:
        now = self.clock()
        if now < self._due:
            return
        self._due = now + self.interval
        lag = lag_by_topic(consumer)
        for topic in self._topics - lag.keys():
            CONSUMER_LAG.labels(self.name, topic).set(0)
        for topic, behind in lag.items():
            CONSUMER_LAG.labels(self.name, topic).set(behind)
        self._topics |= lag.keys()


def exposition() -> tuple[bytes, str]:
    """Every metric of this process in the Prometheus text format, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST


def listen_host(addr: str) -> str:
    """The host part of a listen address: '0.0.0.0:50051' -> '0.0.0.0', '[::]:50051' -> '::'."""
    host = addr.rsplit(":", 1)[0]
    return host.removeprefix("[").removesuffix("]")


@contextmanager
def metrics_server(host: str, port: int, registry: CollectorRegistry = REGISTRY) -> Iterator[None]:
    """Serves `registry` at http://host:port/metrics for the duration of the block.

    Port 0 turns it off. A port already taken (another local stack) costs this process its
    metrics, with a warning, never its start.
    """
    if port == 0:
        yield
        return
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as error:
        log.warning("metrics: cannot listen on %s:%d (%s); metrics are off", host, port, error)
        yield
        return
    log.info("metrics on http://%s:%d/metrics", host, port)
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=1.0)
