"""The catalogue cache's local level and its invalidation protocol, against the real Redis.

Each test has a channel and namespaces of its own, so nothing else on that Redis hears them.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from deploy import infra
from gateway.cache import CatalogueCache
from gateway.cache_bus import InvalidationBus
from gateway.cache_metrics import ACK_TIMEOUTS, LOCAL_HITS
from tests.conftest import SLOT

WAIT_SECONDS = 5.0


@pytest.fixture
async def redis(endpoints: infra.Endpoints) -> AsyncIterator[Redis]:
    client = Redis.from_url(
        endpoints.redis_url.rsplit("/", 1)[0] + f"/{5 + SLOT}", socket_timeout=1.0
    )
    yield client
    await client.aclose()


@pytest.fixture
def channel() -> str:
    return f"test-catalogue-{uuid.uuid4().hex}"


@pytest.fixture
def movies() -> str:
    """A namespace of this test's own."""
    return f"movies-{uuid.uuid4().hex}"


class Source:
    """What the services hold: a value each load reads, and how many loads there were."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.loads = 0

    async def load(self) -> str:
        self.loads += 1
        return self.value


def local_hits(namespace: str) -> float:
    return float(LOCAL_HITS.labels(namespace)._value.get())


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        while not condition():  # noqa: ASYNC110 - the conditions are plain attributes
            await asyncio.sleep(0.01)


@asynccontextmanager
async def following(cache: CatalogueCache) -> AsyncIterator[asyncio.Task[None]]:
    """The cache listening on its channel (as the gateway's lifespan runs it)."""
    task = asyncio.create_task(cache.follow_invalidations())
    try:
        await until(lambda: cache.bus.listening)
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
def replica(redis: Redis, channel: str) -> Callable[..., CatalogueCache]:
    def make(**options: Any) -> CatalogueCache:
        return CatalogueCache(redis, channel=channel, **options)

    return make


async def read(cache: CatalogueCache, namespace: str, source: Source) -> Any:
    return await cache.get_or_load(namespace, "list", source.load)


async def test_a_replica_that_is_not_subscribed_never_answers_from_its_own_level(
    replica: Callable[..., CatalogueCache], movies: str
) -> None:
    cache, source = replica(), Source("v1")
    assert not cache.bus.listening
    assert await read(cache, movies, source) == "v1"
    source.value = "v2"  # changed behind the cache's back: only a read of Redis shows v1
    assert await read(cache, movies, source) == "v1"
    assert source.loads == 1
    assert local_hits(movies) == 0
    assert len(cache.local) == 0


async def test_a_listening_replica_answers_repeated_reads_from_its_own_level(
    replica: Callable[..., CatalogueCache], redis: Redis, movies: str
) -> None:
    cache, source = replica(), Source("v1")
    async with following(cache):
        assert await read(cache, movies, source) == "v1"
        await redis.delete(f"cache:{movies}:0:list")  # a read of Redis would now miss and load
        source.value = "v2"
        assert await read(cache, movies, source) == "v1"
        assert await read(cache, movies, source) == "v1"
    assert source.loads == 1
    assert local_hits(movies) == 2


async def test_a_write_on_one_replica_is_answered_only_once_the_other_dropped_it(
    replica: Callable[..., CatalogueCache], movies: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reader = replica(), replica()
    hears = reader.bus._invalidated

    async def busy_replica(data: bytes) -> None:  # another process, busy with other requests
        await asyncio.sleep(0.05)
        await hears(data)

    monkeypatch.setattr(reader.bus, "_invalidated", busy_replica)
    source = Source("v1")
    heard: list[str] = []
    reader.on_invalidated(heard.append)
    async with following(writer), following(reader):
        for round_ in range(2, 12):
            assert await read(writer, movies, source) == source.value
            assert await read(reader, movies, source) == source.value
            assert reader.local.get(movies, "list") is not None
            source.value = f"v{round_}"
            await writer.invalidate([movies, "aggregate"])
            # no waiting: the write's answer comes after the reader dropped its copy
            assert reader.local.get(movies, "list") is None
            assert await read(reader, movies, source) == source.value
    assert heard.count(movies) == 10


async def test_a_replica_that_never_acknowledges_delays_the_answer_at_most_the_ack_timeout(
    replica: Callable[..., CatalogueCache], redis: Redis, channel: str, movies: str
) -> None:
    writer = replica(ack_timeout_seconds=0.3)
    timeouts = ACK_TIMEOUTS._value.get()
    async with redis.pubsub() as silent:  # subscribed, counted by PUBLISH, never acks
        await silent.subscribe(channel)
        await silent.get_message(timeout=1.0)
        await writer.invalidate([movies])
    assert ACK_TIMEOUTS._value.get() == timeouts + 1


async def test_a_write_with_every_replica_acknowledging_counts_no_timeout(
    replica: Callable[..., CatalogueCache], movies: str
) -> None:
    writer, reader = replica(), replica()
    timeouts = ACK_TIMEOUTS._value.get()
    async with following(writer), following(reader):
        await writer.invalidate([movies])
    assert ACK_TIMEOUTS._value.get() == timeouts


async def test_resubscribing_clears_the_local_level_and_tells_the_listeners(
    replica: Callable[..., CatalogueCache], movies: str
) -> None:
    writer, reader = replica(), replica()
    source = Source("v1")
    heard: list[str] = []
    reader.on_invalidated(heard.append)
    async with following(reader):
        await read(reader, movies, source)
        assert reader.local.get(movies, "list") is not None
    assert not reader.bus.listening
    source.value = "v2"
    await writer.invalidate([movies])  # the reader is not subscribed: it never hears this
    assert reader.local.get(movies, "list") is not None  # still held, but not served:
    assert await read(reader, movies, source) == "v2"
    heard.clear()
    async with following(reader):
        assert len(reader.local) == 0
        assert "sessions" in heard
        assert await read(reader, movies, source) == "v2"


def clocked_bus(redis: Redis, channel: str, now: list[float]) -> InvalidationBus:
    """A bus that hears nothing and whose clock reads `now[0]`."""
    return InvalidationBus(
        redis, heard=lambda _: None, reset=lambda: None, channel=channel, clock=lambda: now[0]
    )


async def test_a_replica_whose_pongs_stop_stops_answering_from_its_own_level(
    redis: Redis, channel: str
) -> None:
    now = [1000.0]
    bus = clocked_bus(redis, channel, now)
    task = asyncio.create_task(bus.run())
    try:
        await until(lambda: bus.listening)
        now[0] += bus.liveness  # nothing heard for a whole window: as if the link had died
        assert not bus.listening
        await until(lambda: bus.listening)  # the pong of a PING sent after that came back
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_subscription_whose_pongs_never_come_back_is_given_up(
    redis: Redis, channel: str
) -> None:
    now = [1000.0]
    bus = clocked_bus(redis, channel, now)
    task = asyncio.create_task(bus.run())
    await until(lambda: bus.listening)
    now[0] += 6 * bus.liveness
    async with asyncio.timeout(WAIT_SECONDS):
        with pytest.raises(ExceptionGroup) as failed:
            await task
    assert failed.group_contains(ConnectionError)
    assert not bus.listening


async def test_without_redis_reads_go_to_the_services_and_nothing_is_held(
    movies: str, caplog: pytest.LogCaptureFixture
) -> None:
    down = Redis.from_url("redis://127.0.0.1:1/0", socket_timeout=0.2, socket_connect_timeout=0.2)
    cache, source = CatalogueCache(down), Source("v1")
    with pytest.raises(RedisError):
        await cache.follow_invalidations()
    with caplog.at_level(logging.INFO, logger="gateway.cache"):
        assert [await read(cache, movies, source) for _ in range(20)] == ["v1"] * 20
    assert source.loads == 20
    assert len(cache.local) == 0
    [outage] = [r for r in caplog.records if r.name == "gateway.cache"]
    assert outage.getMessage() == "catalogue cache unavailable: reading through"
    assert outage.exc_info is not None
    await cache.invalidate([movies])  # logged, not raised: the write itself has happened
    await down.aclose()


async def test_a_redis_that_answers_reads_but_refuses_writes_is_one_outage_not_one_per_read(
    replica: Callable[..., CatalogueCache],
    movies: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache, source = replica(), Source("v1")

    async def refuse(*_: Any, **__: Any) -> None:
        raise RedisError("OOM command not allowed when used memory > 'maxmemory'")

    monkeypatch.setattr(cache.redis, "set", refuse)
    with caplog.at_level(logging.INFO, logger="gateway.cache"):
        assert [await read(cache, movies, source) for _ in range(10)] == ["v1"] * 10
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.cache"]
    assert lines == ["catalogue cache unavailable: reading through"]
    assert cache.outage.failures == 10


async def test_a_read_that_loaded_while_a_write_was_heard_is_not_kept(
    replica: Callable[..., CatalogueCache], movies: str
) -> None:
    writer, reader = replica(), replica()
    loading, finish = asyncio.Event(), asyncio.Event()

    async def slow_load() -> str:
        loading.set()
        await finish.wait()
        return "read before the write"

    load: Callable[[], Awaitable[str]] = slow_load
    async with following(writer), following(reader):
        pending = asyncio.create_task(reader.get_or_load(movies, "list", load))
        await loading.wait()
        await writer.invalidate([movies])
        finish.set()
        assert await pending == "read before the write"
        assert reader.local.get(movies, "list") is None
