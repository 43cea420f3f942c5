"""A hold's way in one process: booking_svc on a database of its own, its relay into a fake
Kafka, and records as the consumers would receive them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.events import BookingEvents
from booking_svc.models import outbox
from booking_svc.seating import SeatingCache
from booking_svc.service import BookingService
from booking_svc.ticket_codes import TicketSigner
from svckit.db import make_engine
from svckit.migrations import migrations_dir, upgrade_to_head
from svckit.outbox import OutboxRelay
from svckit.settings import KafkaSettings
from tests.booking_svc.conftest import FakeCinema
from tests.conftest import scratch_database

JWT_SECRET = "in-process-tests-secret-0123456789abcdef"
KAFKA = KafkaSettings(kafka_topic_prefix="tracing.")


def booking_database(name: str) -> AsyncEngine:
    """A fresh, migrated booking database for this test slot."""
    dsn = scratch_database(name)
    upgrade_to_head(migrations_dir("booking_svc"), dsn)
    return make_engine(dsn, pool_size=2)


def booking_service(engine: AsyncEngine) -> BookingService:
    """booking_svc's engine with session 1 (seats 101..110) known to its fake cinema_svc."""
    cinema = FakeCinema()
    cinema.add(1)
    return BookingService(
        engine,
        SeatingCache(cinema),
        BookingEvents(KAFKA.topic, TicketSigner(b"a ticket signing key for the tests, 32+ bytes")),
        hold_seconds=900,
        max_seats=4,
        max_seats_per_user=4,
        cancel_cutoff_minutes=0,
    )


class Record:
    """A consumed Kafka record, as confluent_kafka's Message answers."""

    def __init__(self, topic: str, key: bytes, value: bytes, headers: list[Any]) -> None:
        self._topic, self._key, self._value, self._headers = topic, key, value, headers

    def topic(self) -> str:
        return self._topic

    def key(self) -> bytes:
        return self._key

    def value(self) -> bytes:
        return self._value

    def headers(self) -> list[Any]:
        return self._headers

    def error(self) -> None:
        return None

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return 0


class CapturingKafka:
    """A producer that delivers every record at once and keeps it."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def produce(
        self, topic: str, *, key: bytes, value: bytes, headers: Any, on_delivery: Any
    ) -> None:
        self.records.append(Record(topic, key, value, list(headers)))
        on_delivery(None, None)

    def flush(self, _timeout: float) -> int:
        return 0


def relay_to(kafka: CapturingKafka, engine: AsyncEngine) -> OutboxRelay:
    """booking_svc's relay, publishing to `kafka`."""
    return OutboxRelay(
        engine,
        engine.url.render_as_string(hide_password=False),
        outbox,
        bootstrap_servers="unused",
        source="booking_svc",
        producer_factory=lambda _config: kafka,
    )
