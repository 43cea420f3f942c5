"""The TTL cache: expiry, a size bound, one load per concurrent miss, invalidation."""

from __future__ import annotations

import asyncio

import pytest

from svckit.ttl_cache import TtlCache
from tests.helpers import ManualClock


class Source:
    """Loads `key * 10`; while `hold` is set, loads wait for `release`."""

    def __init__(self) -> None:
        self.loads: list[int] = []
        self.release = asyncio.Event()
        self.hold = False
        self.failure: Exception | None = None

    async def load(self, key: int) -> int:
        self.loads.append(key)
        if self.hold:
            await self.release.wait()
        if self.failure is not None:
            raise self.failure
        return key * 10


async def test_a_value_is_served_from_memory_until_its_ttl_passes() -> None:
    source, clock = Source(), ManualClock()
    cache = TtlCache(source.load, ttl=60, clock=clock)
    assert await cache.get(1) == 10
    clock.now += 59
    assert await cache.get(1) == 10
    assert source.loads == [1]
    clock.now += 2
    assert await cache.get(1) == 10
    assert source.loads == [1, 1]


async def test_the_ttl_may_depend_on_the_value_and_zero_keeps_nothing() -> None:
    source, clock = Source(), ManualClock()
    cache = TtlCache(source.load, ttl=lambda value: 5 if value > 10 else 0, clock=clock)
    for key in (1, 1, 2, 2):
        await cache.get(key)
    assert source.loads == [1, 1, 2]
    clock.now += 6
    await cache.get(2)
    assert source.loads == [1, 1, 2, 2]


async def test_concurrent_misses_for_one_key_share_one_load() -> None:
    source = Source()
    source.hold = True
    cache = TtlCache(source.load, ttl=60)
    waiters = [asyncio.create_task(cache.get(1)) for _ in range(50)]
    await asyncio.sleep(0)
    source.release.set()
    assert await asyncio.gather(*waiters) == [10] * 50
    assert source.loads == [1]


async def test_without_shared_loads_each_miss_loads_and_the_newest_load_is_kept() -> None:
    source = Source()
    source.hold = True
    cache = TtlCache(source.load, ttl=60, share_loads=False)
    waiters = [asyncio.create_task(cache.get(1)) for _ in range(3)]
    await asyncio.sleep(0)
    source.release.set()
    assert await asyncio.gather(*waiters) == [10] * 3
    await cache.get(1)
    assert source.loads == [1, 1, 1]


async def test_a_failed_load_reaches_every_waiter_and_is_not_kept() -> None:
    source = Source()
    source.failure = ConnectionError("down")
    cache = TtlCache(source.load, ttl=60)
    results = await asyncio.gather(cache.get(1), cache.get(1), return_exceptions=True)
    assert all(isinstance(result, ConnectionError) for result in results)
    source.failure = None
    assert await cache.get(1) == 10
    assert source.loads == [1, 1]


async def test_invalidate_forces_a_fresh_load() -> None:
    source = Source()
    cache = TtlCache(source.load, ttl=60)
    await cache.get(1)
    cache.invalidate(1)
    await cache.get(1)
    assert source.loads == [1, 1]


async def test_a_load_under_way_when_invalidated_is_not_kept() -> None:
    source = Source()
    source.hold = True
    cache = TtlCache(source.load, ttl=60)
    first = asyncio.create_task(cache.get(1))
    await asyncio.sleep(0)
    cache.invalidate(1)
    source.release.set()
    assert await first == 10
    await cache.get(1)
    assert source.loads == [1, 1]


async def test_a_full_cache_makes_room_by_dropping_the_entry_written_longest_ago() -> None:
    source = Source()
    cache = TtlCache(source.load, ttl=60, max_entries=2)
    for key in (1, 2, 3):
        await cache.get(key)
    assert len(cache) == 2
    await cache.get(3)
    await cache.get(2)
    assert source.loads == [1, 2, 3]
    await cache.get(1)
    assert source.loads == [1, 2, 3, 1]


async def test_clear_forgets_everything() -> None:
    source = Source()
    cache = TtlCache(source.load, ttl=60)
    await cache.get(1)
    cache.clear()
    assert len(cache) == 0
    await cache.get(1)
    assert source.loads == [1, 1]


def test_a_cache_must_hold_at_least_one_entry() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        TtlCache(Source().load, ttl=60, max_entries=0)
