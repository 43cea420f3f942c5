"""Tells every gateway replica which catalogue namespaces a write made stale, and waits until
they have heard it, over a Redis pub/sub channel.

The writer PUBLISHes {"versions": {namespace: new version}, "reply_to": key}; every subscribed
replica drops those namespaces from its local level, then RPUSHes an ack to `reply_to`. The
writer waits (at most `ack_timeout`) for as many acks as PUBLISH counted receivers.

A replica serves from its local level only while `listening`: subscribed, and it has read the
pong of a PING it sent less than `ack_timeout / 2` ago. Redis answers a PING after everything it
published to the connection before, so a replica that missed an invalidation (its connection
died, its event loop stalled) stops serving locally before the writer gives up waiting for its
ack. On every (re)subscription the local level is cleared, since messages may have been missed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from gateway.cache_metrics import ACK_TIMEOUTS, INVALIDATIONS_RECEIVED

log = logging.getLogger(__name__)

ACK_KEY_SECONDS = 10
"""How long an unread ack list lives (acks that came after the writer stopped waiting)."""
GIVE_UP_AFTER_WINDOWS = 5
"""A subscription whose pongs have not come back for this many liveness windows is dropped and
made again (a connection that died without a word)."""
LONGEST_BLPOP_SECONDS = 0.5
"""Below the Redis client's socket timeout, so a wait for acks never looks like a dead socket."""


def channel_for(redis: Redis) -> str:
    """The invalidation channel of the Redis database the cache keys live in (pub/sub channels
    are shared by every database of a server; namespace versions are not)."""
    database = redis.connection_pool.connection_kwargs.get("db", 0)
    return f"cache:invalidations:db{database}"


class InvalidationBus:
    def __init__(
        self,
        redis: Redis,
        *,
        heard: Callable[[dict[str, int]], None],
        reset: Callable[[], None],
        channel: str | None = None,
        ack_timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`heard(versions)`: drop these namespaces; `reset()`: drop everything (a (re)start)."""
        self.redis = redis
        self.channel = channel or channel_for(redis)
        self.ack_timeout = ack_timeout
        self.liveness = ack_timeout / 2
        self._ping_every = self.liveness / 4
        self._heard = heard
        self._reset = reset
        self._clock = clock
        self._subscribed = False
        self._heard_at = float("-inf")
        """When the newest PING whose pong has been read was sent (clock seconds)."""

    @property
    def listening(self) -> bool:
        return self._subscribed and self._clock() - self._heard_at < self.liveness

    async def run(self) -> None:
        """Follows the channel until cancelled or the connection fails (then raises).

        One task reads (without a read timeout: Python 3.11's timeouts can swallow a
        cancellation that comes at the same moment), one sends the PINGs and gives the
        connection up when their pongs stop coming back.
        """
        try:
            async with self.redis.pubsub() as pubsub:
                subscribing_at = self._heard_at = self._clock()
                await pubsub.subscribe(self.channel)
                async with asyncio.TaskGroup() as tasks:
                    tasks.create_task(self._read(pubsub, subscribing_at))
                    tasks.create_task(self._ping(pubsub))
        finally:
            self._subscribed = False

    async def _read(self, pubsub: PubSub, subscribing_at: float) -> None:
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is not None:
                await self._handle(message, subscribing_at)

    async def _ping(self, pubsub: PubSub) -> None:
        while True:
            await asyncio.sleep(self._ping_every)
            now = self._clock()
            if now - self._heard_at > GIVE_UP_AFTER_WINDOWS * self.liveness:
                raise ConnectionError(f"no pong from Redis for {now - self._heard_at:.1f}s")
            await pubsub.ping(repr(now))

    async def publish(self, versions: dict[str, int]) -> None:
        """Tells every replica; returns once each acknowledged, or after `ack_timeout`."""
        reply_to = f"{self.channel}:acks:{uuid.uuid4().hex}"
        message = json.dumps({"versions": versions, "reply_to": reply_to})
        receivers = int(await self.redis.publish(self.channel, message))
        deadline = self._clock() + self.ack_timeout
        acks = 0
        try:
            while acks < receivers:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    ACK_TIMEOUTS.inc()
                    log.warning(
                        "invalidation of %s: %d of %d replicas acknowledged within %.1fs",
                        sorted(versions),
                        acks,
                        receivers,
                        self.ack_timeout,
                    )
                    return
                popped = await self.redis.blpop(
                    [reply_to], timeout=min(remaining, LONGEST_BLPOP_SECONDS)
                )
                if popped is not None:
                    acks += 1
        finally:
            await self._forget(reply_to)

    async def _handle(self, message: dict[str, Any], subscribing_at: float) -> None:
        kind = message["type"]
        if kind == "subscribe":
            self._reset()
            self._heard_at = subscribing_at
            self._subscribed = True
        elif kind == "pong":
            try:
                self._heard_at = max(self._heard_at, float(message["data"]))
            except ValueError:
                return
        elif kind == "message":
            await self._invalidated(message["data"])

    async def _invalidated(self, data: bytes) -> None:
        try:
            parsed = json.loads(data)
            versions = {str(name): int(version) for name, version in parsed["versions"].items()}
            reply_to = str(parsed["reply_to"])
        except (ValueError, KeyError, TypeError, AttributeError):
            log.error("unreadable cache invalidation %r: dropping every namespace", data)
            self._reset()
            return
        for namespace in versions:
            INVALIDATIONS_RECEIVED.labels(namespace).inc()
        self._heard(versions)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.rpush(reply_to, 1)
            pipe.expire(reply_to, ACK_KEY_SECONDS)
            await pipe.execute()

    async def _forget(self, reply_to: str) -> None:
        try:
            await self.redis.delete(reply_to)
        except RedisError:
            log.warning("ack list %s left to expire", reply_to, exc_info=True)
