"""The gateway's Redis client against the real Redis: more commands at once than its pool has
connections wait for one, instead of failing (and turning shared rate limits into local ones)."""

from __future__ import annotations

import asyncio
import uuid

from deploy import infra
from gateway.ratelimit import WINDOW_SECONDS, Limiter
from gateway.redis_client import POOL_SIZE, redis_client


async def test_more_commands_than_connections_wait_for_one(endpoints: infra.Endpoints) -> None:
    redis = redis_client(endpoints.redis_url)
    try:
        empty = [f"test:empty:{uuid.uuid4().hex}" for _ in range(POOL_SIZE + 50)]
        answers = await asyncio.gather(*(redis.blpop([key], timeout=0.2) for key in empty))
        assert answers == [None] * len(empty)
    finally:
        await redis.aclose()


async def test_a_burst_of_holds_is_counted_in_redis_every_one(endpoints: infra.Endpoints) -> None:
    redis = redis_client(endpoints.redis_url)
    key = f"ratelimit:test:{uuid.uuid4().hex}"
    burst = 2 * POOL_SIZE
    try:
        limiter = Limiter(redis)
        await asyncio.gather(
            *(
                limiter.check(key, limit=10 * burst, window_seconds=WINDOW_SECONDS, what="holds")
                for _ in range(burst)
            )
        )
        assert int(await redis.get(key) or 0) == burst
        assert limiter.local.read(key)[0] == 0
        await redis.delete(key)
    finally:
        await redis.aclose()
