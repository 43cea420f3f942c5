"""The gateway's Redis client (catalogue cache and rate limits): a bounded pool of connections
whose commands wait for a free one.

redis-py's default pool has 100 connections and refuses the 101st command at once
(`MaxConnectionsError`). In a flash sale of 200 buyers the holds' rate-limit calls outnumbered
it: each refused one was counted in this process only (a limit every replica should share)
and logged with its traceback, the costliest thing a request did while the gateway was busiest.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

WAIT_SECONDS = 1.0
"""How long a command waits for a free connection before it fails as Redis being away would."""
SOCKET_TIMEOUT_SECONDS = 1.0


def redis_client(url: str, *, max_connections: int) -> Redis:
    """A client of the Redis at `url` with at most `max_connections` connections, in a pool it
    owns (closing the client closes it)."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=WAIT_SECONDS,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
    )
    return Redis.from_pool(pool)
