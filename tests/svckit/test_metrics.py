"""svckit's metrics: consumer lag, the metrics endpoint, gRPC call counts, the outbox relay."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy import infra
from svckit.db import make_engine, make_sessionmaker, service_metadata
from svckit.errors import NotFound
from svckit.grpc_server import ErrorInterceptor
from svckit.metrics import ConsumerLag, lag_by_topic, listen_host, metrics_server
from svckit.outbox import OutboxEvent, OutboxRelay, add_events, outbox_table
from tests.conftest import scratch_database
from tests.helpers import free_port

UNKNOWN = -1001
"""librdkafka's OFFSET_INVALID: no position or watermark known yet."""


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


# -- consumer lag ---------------------------------------------------------------------------


@dataclass
class Partition:
    topic: str
    partition: int
    offset: int = UNKNOWN


@dataclass
class FakeConsumer:
    """Assigned partitions with positions and the high watermarks the client last fetched."""

    positions: dict[tuple[str, int], int] = field(default_factory=dict)
    highs: dict[tuple[str, int], int] = field(default_factory=dict)
    watermark_calls: int = 0

    def assignment(self) -> list[Partition]:
        return [Partition(topic, number) for topic, number in self.positions]

    def position(self, partitions: list[Partition]) -> list[Partition]:
        return [
            Partition(p.topic, p.partition, self.positions[p.topic, p.partition])
            for p in partitions
        ]

    def get_watermark_offsets(self, partition: Partition, *, cached: bool) -> tuple[int, int]:
        assert cached, "lag must come from what the client knows, not a broker round trip"
        self.watermark_calls += 1
        return 0, self.highs.get((partition.topic, partition.partition), UNKNOWN)


def test_lag_is_high_watermark_minus_position_summed_per_topic() -> None:
    consumer = FakeConsumer(
        positions={("a", 0): 5, ("a", 1): 10, ("b", 0): 7},
        highs={("a", 0): 8, ("a", 1): 10, ("b", 0): 9},
    )
    assert lag_by_topic(consumer) == {"a": 3, "b": 2}


def test_partitions_without_a_known_position_or_watermark_count_as_no_lag() -> None:
    consumer = FakeConsumer(
        positions={("a", 0): UNKNOWN, ("a", 1): 4, ("b", 0): 3},
        highs={("a", 0): 50, ("b", 0): 9},
    )
    assert lag_by_topic(consumer) == {"a": 0, "b": 6}
    assert lag_by_topic(FakeConsumer()) == {}


def test_the_lag_gauge_is_refreshed_at_most_once_per_interval() -> None:
    name = f"test-{uuid.uuid4().hex[:8]}"
    now = [100.0]
    lag = ConsumerLag(name, interval=5.0, clock=lambda: now[0])
    consumer = FakeConsumer(positions={("a", 0): 1}, highs={("a", 0): 4})
    lag.refresh(consumer)
    assert sample("kafka_consumer_lag", consumer=name, topic="a") == 3
    consumer.highs["a", 0] = 10
    now[0] += 4.9
    lag.refresh(consumer)
    assert consumer.watermark_calls == 1
    assert sample("kafka_consumer_lag", consumer=name, topic="a") == 3
    now[0] += 0.1
    lag.refresh(consumer)
    assert sample("kafka_consumer_lag", consumer=name, topic="a") == 9


def test_a_topic_no_longer_assigned_drops_to_no_lag() -> None:
    name = f"test-{uuid.uuid4().hex[:8]}"
    now = [0.0]
    lag = ConsumerLag(name, interval=1.0, clock=lambda: now[0])
    lag.refresh(FakeConsumer(positions={("a", 0): 1, ("b", 0): 1}, highs={("a", 0): 3}))
    assert sample("kafka_consumer_lag", consumer=name, topic="a") == 2
    now[0] += 1.0
    lag.refresh(FakeConsumer(positions={("b", 0): 1}, highs={("b", 0): 2}))
    assert sample("kafka_consumer_lag", consumer=name, topic="a") == 0
    assert sample("kafka_consumer_lag", consumer=name, topic="b") == 1


# -- the metrics endpoint -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("addr", "host"),
    [
        ("127.0.0.1:50051", "127.0.0.1"),
        ("0.0.0.0:50054", "0.0.0.0"),
        ("[::]:50052", "::"),
        ("booking-svc:50054", "booking-svc"),
    ],
)
def test_metrics_listen_on_the_host_of_the_grpc_address(addr: str, host: str) -> None:
    assert listen_host(addr) == host


def test_the_metrics_endpoint_serves_prometheus_text_while_the_block_runs() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    with metrics_server("127.0.0.1", port):
        response = httpx.get(url, timeout=5.0)
        assert response.status_code == 200
        assert "# TYPE grpc_server_handled_total counter" in response.text
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=5.0)


def test_a_taken_metrics_port_costs_the_metrics_but_not_the_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with caplog.at_level(logging.WARNING), metrics_server("127.0.0.1", port):
            pass
    assert f"cannot listen on 127.0.0.1:{port}" in caplog.text


# -- gRPC calls -----------------------------------------------------------------------------

SERVICE = "test.metrics.Echo"


async def echo(request: bytes, context: Any) -> bytes:
    if request == b"missing":
        raise NotFound("no such thing")
    if request == b"bug":
        raise RuntimeError("a bug")
    if request == b"denied":
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, "not yours")
    return request


@pytest.fixture
async def echo_channel() -> AsyncIterator[grpc.aio.Channel]:
    server = grpc.aio.server(interceptors=[ErrorInterceptor()])
    handler = grpc.unary_unary_rpc_method_handler(echo)
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler(SERVICE, {"Say": handler})]
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield channel
    await server.stop(None)


async def test_the_server_counts_calls_by_method_and_status_code(
    echo_channel: grpc.aio.Channel,
) -> None:
    say = echo_channel.unary_unary(f"/{SERVICE}/Say", None, None)

    def handled(code: str) -> float:
        return sample(
            "grpc_server_handled_total", grpc_service=SERVICE, grpc_method="Say", grpc_code=code
        )

    failing = {
        b"missing": grpc.StatusCode.NOT_FOUND,
        b"bug": grpc.StatusCode.INTERNAL,
        b"denied": grpc.StatusCode.PERMISSION_DENIED,
    }
    codes = ["OK", *(code.name for code in failing.values())]
    before = {code: handled(code) for code in codes}
    timed_before = sample(
        "grpc_server_handling_seconds_count", grpc_service=SERVICE, grpc_method="Say"
    )
    assert await say(b"hello") == b"hello"
    assert await say(b"again") == b"again"
    for request, code in failing.items():
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await say(request)
        assert failed.value.code() == code
    assert {code: handled(code) - before[code] for code in codes} == {
        "OK": 2,
        "NOT_FOUND": 1,
        "INTERNAL": 1,
        "PERMISSION_DENIED": 1,
    }
    timed = sample("grpc_server_handling_seconds_count", grpc_service=SERVICE, grpc_method="Say")
    assert timed - timed_before == 5


# -- the outbox relay -----------------------------------------------------------------------


class FakeKafka:
    """Acknowledges every record while `up`, refuses every record otherwise."""

    def __init__(self) -> None:
        self.up = True
        self.queued: list[Callable[[Any, Any], None]] = []

    def produce(self, _topic: str, *, on_delivery: Callable[[Any, Any], None], **_: Any) -> None:
        self.queued.append(on_delivery)

    def flush(self, _timeout: float) -> int:
        for on_delivery in self.queued:
            on_delivery(None if self.up else "Local: Message timed out", None)
        self.queued = []
        return 0


@pytest.fixture(scope="module")
async def outbox_db(endpoints: infra.Endpoints) -> AsyncIterator[tuple[AsyncEngine, Table, str]]:
    dsn = scratch_database("svckit_metrics")
    metadata = service_metadata()
    table = outbox_table(metadata)
    engine = make_engine(dsn, pool_size=2)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine, table, dsn
    await engine.dispose()


async def queue(engine: AsyncEngine, table: Table, count: int) -> None:
    async with make_sessionmaker(engine).begin() as session:
        events = [OutboxEvent("t", "1", "test.event", b"x") for _ in range(count)]
        await add_events(session, table, events)


async def test_the_relay_reports_its_backlog_what_it_published_and_how_late(
    outbox_db: tuple[AsyncEngine, Table, str],
) -> None:
    engine, table, dsn = outbox_db
    source = f"test-{uuid.uuid4().hex[:8]}"
    kafka = FakeKafka()
    relay = OutboxRelay(
        engine,
        dsn,
        table,
        bootstrap_servers="unused",
        source=source,
        batch_size=2,
        producer_factory=lambda _config: kafka,
    )
    await queue(engine, table, 3)
    kafka.up = False
    await relay.publish_batch()
    assert sample("outbox_backlog", source=source) == 3, "a full batch counts every waiting row"
    assert sample("outbox_published_total", source=source) == 0

    kafka.up = True
    assert await relay.publish_batch() == 2
    assert sample("outbox_backlog", source=source) == 1
    assert await relay.publish_batch() == 1
    assert sample("outbox_backlog", source=source) == 0
    assert sample("outbox_published_total", source=source) == 3
    assert sample("outbox_relay_lag_seconds_count", source=source) == 3
    assert sample("outbox_relay_lag_seconds_sum", source=source) > 0
    assert await relay.publish_batch() == 0
    assert sample("outbox_backlog", source=source) == 0
