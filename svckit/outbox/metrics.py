"""The outbox relay's Prometheus series, labelled by the service whose outbox it relays."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

from svckit.metrics import LAG_BUCKETS

OUTBOX_BACKLOG = Gauge(
    "outbox_backlog",
    "Outbox events not yet published to Kafka, as the leading relay last saw them.",
    ["source"],
    multiprocess_mode="max",  # several workers (svckit/workers.py): standbys report 0
)
OUTBOX_PUBLISHED = Counter(
    "outbox_published_total", "Outbox events published to Kafka.", ["source"]
)
OUTBOX_RELAY_LAG = Histogram(
    "outbox_relay_lag_seconds",
    "Time from an outbox event's creation to its publication to Kafka.",
    ["source"],
    buckets=LAG_BUCKETS,
)


class RelayMetrics:
    """What one relay reports: its backlog, what it published and how late."""

    def __init__(self, source: str) -> None:
        self._backlog = OUTBOX_BACKLOG.labels(source)
        self._published = OUTBOX_PUBLISHED.labels(source)
        self._lag = OUTBOX_RELAY_LAG.labels(source)

    def backlog(self, rows: int) -> None:
        self._backlog.set(rows)

    def published(self, times: Iterable[tuple[datetime, datetime]]) -> None:
        """Counts published rows and observes each one's lag, from (created_at, published_at)."""
        times = list(times)
        self._published.inc(len(times))
        for created_at, published_at in times:
            self._lag.observe((published_at - created_at).total_seconds())
