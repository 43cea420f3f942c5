"""The gateway's Redis client against the real Redis: more commands at once than its pool has
connections wait for one, instead of failing (and turning shared rate limits into local ones)."""

from __future__ import annotations

import asyncio
import uuid

from deploy import infra
from gateway.ratelimit import WINDOW_SECONDS, Limiter
from gateway.redis_client import redis_client

POOL_SIZE = 100
"""GATEWAY_REDIS_MAX_CONNECTIONS's default."""


async def test_more_commands_than_connections_wait_for_one(endpoints: infra.Endpoints) -> None:
    redis = redis_client(endpoints.redis_url, max_connections=POOL_SIZE)
    try:
        empty = [f"test:empty:{uuid.uuid4().hex}" for _ in range(POOL_SIZE + 50)]
        answers = await asyncio.gather(*(redis.blpop([key], timeout=0.2) for key in empty))
        assert answers == [None] * len(empty)
    finally:
        await redis.aclose()


async def test_no_more_connections_are_opened_than_allowed(endpoints: infra.Endpoints) -> None:
    """25 BLPOPs at once through a pool of 10: Redis lists the pool's connections by name."""
    name = f"pool-probe-{uuid.uuid4().hex[:8]}"
    redis = redis_client(f"{endpoints.redis_url}?client_name={name}", max_connections=10)
    try:
        empty = [f"test:empty:{uuid.uuid4().hex}" for _ in range(25)]
        answers = await asyncio.gather(*(redis.blpop([key], timeout=0.2) for key in empty))
        assert answers == [None] * len(empty)
        connected = [c for c in await redis.client_list() if c["name"] == name]
        assert len(connected) == 10
    finally:
        await redis.aclose()


async def test_a_burst_of_holds_is_counted_in_redis_every_one(endpoints: infra.Endpoints) -> None:
    """Twice as many checks at once as the pool has connections, on a pool whose connections
    are open (a cold pool opening 100 at once can take longer on a busy test machine than a
    command waits for a connection: the burst is to measure the waiting, not the opening)."""
    redis = redis_client(endpoints.redis_url, max_connections=POOL_SIZE)
    key = f"ratelimit:test:{uuid.uuid4().hex}"
    burst = 2 * POOL_SIZE
    try:
        await asyncio.gather(*(redis.ping() for _ in range(POOL_SIZE)))
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
