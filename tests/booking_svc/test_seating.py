"""The seating cache: one load per miss, however many ask at once; expiry; invalidation."""

from __future__ import annotations

import asyncio

import pytest

from booking_svc.domain import SessionSeating
from booking_svc.seating import SeatingCache
from tests.booking_svc.conftest import FakeCinema
from tests.helpers import ManualClock


class SlowCinema(FakeCinema):
    """Loads wait until released, so a test can act while a load is under way."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()

    async def load(self, session_id: int) -> SessionSeating | None:
        self.loads += 1
        await self.release.wait()
        return self.sessions.get(session_id)


async def test_concurrent_misses_for_one_session_share_one_load() -> None:
    cinema = SlowCinema()
    cinema.add(1)
    cache = SeatingCache(cinema)
    waiters = [asyncio.create_task(cache.get(1)) for _ in range(50)]
    await asyncio.sleep(0)
    cinema.release.set()
    results = await asyncio.gather(*waiters)
    assert cinema.loads == 1
    assert all(result is not None and result.session_id == 1 for result in results)


async def test_a_cached_session_is_served_without_a_load_until_its_ttl_passes() -> None:
    cinema, clock = FakeCinema(), ManualClock()
    cinema.add(1)
    cache = SeatingCache(cinema, ttl=60, clock=clock)
    await cache.get(1)
    clock.now += 59
    await cache.get(1)
    assert cinema.loads == 1
    clock.now += 2
    await cache.get(1)
    assert cinema.loads == 2


async def test_an_unknown_session_is_remembered_only_briefly() -> None:
    cinema, clock = FakeCinema(), ManualClock()
    cache = SeatingCache(cinema, ttl=60, missing_ttl=5, clock=clock)
    assert await cache.get(9) is None
    assert await cache.get(9) is None
    assert cinema.loads == 1
    cinema.add(9)
    clock.now += 6
    assert await cache.get(9) is not None


async def test_invalidate_forces_a_fresh_load() -> None:
    cinema = FakeCinema()
    cinema.add(1)
    cache = SeatingCache(cinema)
    await cache.get(1)
    cinema.add(1, status="cancelled")
    cache.invalidate(1)
    seating = await cache.get(1)
    assert seating is not None
    assert seating.status == "cancelled"
    assert cinema.loads == 2


async def test_a_load_under_way_when_invalidated_is_not_kept() -> None:
    cinema = SlowCinema()
    cinema.add(1)
    cache = SeatingCache(cinema)
    first = asyncio.create_task(cache.get(1))
    await asyncio.sleep(0)
    cache.invalidate(1)
    cinema.release.set()
    await first
    await cache.get(1)
    assert cinema.loads == 2


async def test_a_failed_load_is_raised_to_every_waiter_and_not_cached() -> None:
    class Broken(FakeCinema):
        async def load(self, session_id: int) -> SessionSeating | None:
            self.loads += 1
            raise ConnectionError("cinema down")

    cinema = Broken()
    cache = SeatingCache(cinema)
    results = await asyncio.gather(cache.get(1), cache.get(1), return_exceptions=True)
    assert all(isinstance(result, ConnectionError) for result in results)
    with pytest.raises(ConnectionError):
        await cache.get(1)
    assert cinema.loads == 2
