"""The rate-limit counter against the real Redis: one script call opens a key's window with
its first request, counts the rest in it and tells how long until the window ends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from deploy import infra
from gateway.errors import ApiError
from gateway.ratelimit import WINDOW_SECONDS, Limiter


@pytest.fixture
async def redis(endpoints: infra.Endpoints) -> AsyncIterator[Redis]:
    client = Redis.from_url(endpoints.redis_url)
    yield client
    await client.aclose()


async def test_requests_over_the_limit_in_a_window_are_refused_until_it_ends(
    redis: Redis,
) -> None:
    limiter = Limiter(redis)
    key = f"ratelimit:test:{uuid.uuid4().hex}"
    for _ in range(3):
        await limiter.check(key, limit=3, window_seconds=WINDOW_SECONDS, what="holds")
    with pytest.raises(ApiError) as refused:
        await limiter.check(key, limit=3, window_seconds=WINDOW_SECONDS, what="holds")
    assert (refused.value.status, refused.value.code) == (429, "too_many_requests")
    assert refused.value.headers is not None
    retry_after = int(refused.value.headers["Retry-After"])
    assert 1 <= retry_after <= WINDOW_SECONDS
    assert int(await redis.get(key) or 0) == 4
    assert 0 < await redis.ttl(key) <= WINDOW_SECONDS
    await redis.delete(key)


async def test_a_count_keeps_the_window_its_first_request_opened(redis: Redis) -> None:
    limiter = Limiter(redis)
    key = f"ratelimit:test:{uuid.uuid4().hex}"
    await limiter.record(key, window_seconds=30)
    await redis.expire(key, 5)  # the window is closing
    await limiter.record(key, window_seconds=30)
    assert int(await redis.get(key) or 0) == 2
    assert 0 < await redis.ttl(key) <= 5
    await redis.delete(key)
