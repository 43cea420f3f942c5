"""Per-client rate limits on sign-up and sign-in, shared by every gateway replica through Redis.

A fixed window per (route, client IP) opens with the client's first request and lasts a minute;
requests beyond the limit in that window get 429 with Retry-After. The client IP is the one
uvicorn reports, which honours X-Forwarded-For only from its trusted proxies
(FORWARDED_ALLOW_IPS), so clients cannot pick their own key.
"""

from __future__ import annotations

import logging

from fastapi import Request
from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.errors import ApiError
from gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


async def count_request(redis: Redis, key: str, *, limit: int, window_seconds: int) -> int:
    """Counts one request; 0 when it is within the limit, else the seconds until the window ends."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=window_seconds, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = await pipe.execute()
    return 0 if int(count) <= limit else max(int(ttl), 1)


class RateLimit:
    """A route dependency: at most AUTH_RATE_LIMIT_PER_MINUTE requests per client IP per minute."""

    def __init__(self, route: str) -> None:
        self.route = route

    async def __call__(self, request: Request) -> None:
        settings: GatewaySettings = request.app.state.settings
        limit = settings.auth_rate_limit_per_minute
        client = request.client.host if request.client else "unknown"
        redis: Redis = request.app.state.cache.redis
        try:
            retry_after = await count_request(
                redis,
                f"ratelimit:{self.route}:{client}",
                limit=limit,
                window_seconds=WINDOW_SECONDS,
            )
        except RedisError:
            log.warning("rate limiter unavailable; letting the request through", exc_info=True)
            return
        if retry_after:
            raise ApiError(
                429,
                f"too many requests; try again in {retry_after} s",
                "too_many_requests",
                headers={"Retry-After": str(retry_after)},
            )
