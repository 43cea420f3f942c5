"""Rate limits shared by every gateway replica through Redis, and held per process without it.

Each limit is a fixed window per key that opens with the key's first request; requests beyond
the limit in that window get 429 with Retry-After. While Redis is unreachable each process
keeps the same windows in memory, so a limit is never lifted (it is per replica until Redis is
back). The limits: sign-up and sign-in per client IP, failed sign-ins per account (by
normalised email, from any address), holds per user.

The client IP is the one uvicorn reports, which honours X-Forwarded-For only from its trusted
proxies (FORWARDED_ALLOW_IPS), so clients cannot pick their own key.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

import grpc
from fastapi import Depends, Request
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from gateway.deps import Credentials, Settings, current_caller, settings_of
from gateway.errors import ApiError
from svckit.outages import OutageLog

log = logging.getLogger(__name__)

T = TypeVar("T")

WINDOW_SECONDS = 60
MAX_LOCAL_KEYS = 100_000
"""Windows one process keeps while Redis is away; beyond it the oldest go first."""


COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('TTL', KEYS[1])}
"""
"""Counts a request in its key's window, opening the window with the key's first request:
one command for Redis (by its SHA) and one reply, where a MULTI of three costs five."""


async def count_request(counter: AsyncScript, key: str, *, limit: int, window_seconds: int) -> int:
    """Counts one request with COUNT_SCRIPT; 0 when it is within the limit, else the seconds
    until the window ends."""
    count, ttl = await counter(keys=[key], args=[window_seconds])
    return 0 if int(count) <= limit else max(int(ttl), 1)


async def read_window(redis: Redis, key: str) -> tuple[int, int]:
    """The requests counted in a key's window and the seconds until it ends (0, 0 if none)."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.get(key)
        pipe.ttl(key)
        count, ttl = await pipe.execute()
    return int(count or 0), max(int(ttl), 0)


class LocalWindows:
    """The same fixed windows in this process's memory, for when Redis cannot be reached."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_LOCAL_KEYS
    ) -> None:
        self.clock = clock
        self.max_keys = max_keys
        self._windows: dict[str, tuple[float, int]] = {}
        """key -> (when its window ends, requests counted in it), oldest window first."""

    def __len__(self) -> int:
        return len(self._windows)

    def count(self, key: str, *, limit: int, window_seconds: int) -> int:
        """Counts one request; 0 when it is within the limit, else the seconds to wait."""
        now = self.clock()
        ends, count = self._windows.get(key, (0.0, 0))
        if ends <= now:
            self._windows.pop(key, None)
            self._make_room(now)
            ends, count = now + window_seconds, 0
        self._windows[key] = (ends, count + 1)
        return 0 if count + 1 <= limit else max(math.ceil(ends - now), 1)

    def read(self, key: str) -> tuple[int, int]:
        """The requests counted in a key's window and the seconds until it ends (0, 0 if none)."""
        now = self.clock()
        ends, count = self._windows.get(key, (0.0, 0))
        return (count, max(math.ceil(ends - now), 1)) if ends > now else (0, 0)

    def _make_room(self, now: float) -> None:
        if len(self._windows) < self.max_keys:
            return
        self._windows = {key: window for key, window in self._windows.items() if window[0] > now}
        while len(self._windows) >= self.max_keys:
            del self._windows[next(iter(self._windows))]


class Limiter:
    """Counts requests against limits in Redis, or in this process while Redis is away."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.counter = redis.register_script(COUNT_SCRIPT)
        self.local = LocalWindows()
        self.outage = OutageLog(log, "rate limits held in this process: Redis unavailable")

    async def check(self, key: str, *, limit: int, window_seconds: int, what: str) -> None:
        """Counts one request under `key`; 429 with Retry-After when it is over the limit."""
        retry_after = await self._shared_or_local(
            count_request(self.counter, key, limit=limit, window_seconds=window_seconds),
            lambda: self.local.count(key, limit=limit, window_seconds=window_seconds),
        )
        if retry_after:
            raise too_many(what, retry_after)

    async def refuse_if_spent(self, key: str, *, limit: int, what: str) -> None:
        """429 with Retry-After when `key`'s window has counted `limit` already; counts nothing."""
        count, retry_after = await self._shared_or_local(
            read_window(self.redis, key), lambda: self.local.read(key)
        )
        if count >= limit:
            raise too_many(what, retry_after)

    async def record(self, key: str, *, window_seconds: int) -> None:
        """Counts one event under `key` without refusing anything."""
        await self._shared_or_local(
            count_request(self.counter, key, limit=0, window_seconds=window_seconds),
            lambda: self.local.count(key, limit=0, window_seconds=window_seconds),
        )

    async def _shared_or_local(self, shared: Awaitable[T], local: Callable[[], T]) -> T:
        """What Redis answers, or while it is away (logged as an outage) what `local` does."""
        try:
            answer = await shared
        except RedisError:
            self.outage.failed()
            return local()
        self.outage.succeeded()
        return answer


def too_many(what: str, retry_after: int) -> ApiError:
    return ApiError(
        429,
        f"too many {what}; try again in {retry_after} s",
        "too_many_requests",
        headers={"Retry-After": str(retry_after)},
    )


async def get_limiter(request: Request) -> Limiter:
    limiter: Limiter = request.app.state.limiter
    return limiter


Limits = Annotated[Limiter, Depends(get_limiter)]


class RateLimit:
    """A route dependency: at most AUTH_RATE_LIMIT_PER_MINUTE requests per client IP per minute."""

    def __init__(self, route: str) -> None:
        self.route = route

    async def __call__(self, request: Request, limiter: Limits, settings: Settings) -> None:
        client = request.client.host if request.client else "unknown"
        await limiter.check(
            f"ratelimit:{self.route}:{client}",
            limit=settings.auth_rate_limit_per_minute,
            window_seconds=WINDOW_SECONDS,
            what="requests",
        )


@asynccontextmanager
async def failed_logins_counted(
    email: str, limiter: Limiter, settings: Settings
) -> AsyncIterator[None]:
    """Runs a sign-in unless the account had LOGIN_FAILURES_PER_ACCOUNT failures in the window
    (from any address); a wrong password in the block counts one more."""
    key = f"ratelimit:login-failures:{email.strip().casefold()}"
    await limiter.refuse_if_spent(
        key, limit=settings.login_failures_per_account, what="failed sign-ins for this account"
    )
    try:
        yield
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.UNAUTHENTICATED:
            await limiter.record(key, window_seconds=settings.login_failure_window_seconds)
        raise


async def limit_holds(request: Request, credentials: Credentials) -> None:
    """A route dependency: at most HOLD_RATE_LIMIT_PER_MINUTE holds per user per minute."""
    caller = await current_caller(request, credentials)
    limiter = await get_limiter(request)
    await limiter.check(
        f"ratelimit:holds:{caller.user_id}",
        limit=settings_of(request).hold_rate_limit_per_minute,
        window_seconds=WINDOW_SECONDS,
        what="holds",
    )
