"""Fake gRPC stubs and cache for in-process gateway tests: no services, Redis or Kafka."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import grpc
from fastapi import Response
from google.protobuf.message import Message
from redis.exceptions import RedisError

from gateway.json_views import JsonView, json_response
from svckit.errors import ServiceError


def rpc_error(error: ServiceError) -> grpc.aio.AioRpcError:
    """The failed call a client sees when a service raises `error` (code and details trailers)."""
    return grpc.aio.AioRpcError(
        error.status,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(*error.trailing_metadata()),
        details=error.message,
        debug_error_string="",
    )


def failed_call(status: grpc.StatusCode, details: str = "") -> grpc.aio.AioRpcError:
    """A failed call without a service error code (the channel's own failures)."""
    return grpc.aio.AioRpcError(
        status, grpc.aio.Metadata(), grpc.aio.Metadata(), details=details, debug_error_string=""
    )


@dataclass
class Call:
    method: str
    request: Any
    """The protobuf request message (typed loosely so tests can read its fields)."""
    metadata: dict[str, str]


class FakeService:
    """A gRPC stub whose methods answer from `replies` (a message or an error to raise)."""

    def __init__(self) -> None:
        self.replies: dict[str, Message | Exception] = {}
        self.calls: list[Call] = []

    def __getattr__(self, method: str) -> Callable[..., Awaitable[Message]]:
        async def call(request: Message, *, metadata: Iterable[Any] = (), **_: Any) -> Message:
            self.calls.append(Call(method, request, dict(metadata)))
            reply = self.replies[method]
            if isinstance(reply, Exception):
                raise reply
            return reply

        return call

    def last(self, method: str) -> Call:
        """The latest call of `method`."""
        return [call for call in self.calls if call.method == method][-1]


@dataclass
class FakeClients:
    """Stands in for gateway.clients.ServiceClients."""

    users: FakeService = field(default_factory=FakeService)
    movies: FakeService = field(default_factory=FakeService)
    cinema: FakeService = field(default_factory=FakeService)
    booking: FakeService = field(default_factory=FakeService)
    tickets: FakeService = field(default_factory=FakeService)
    payments: FakeService = field(default_factory=FakeService)
    demo_checkout: FakeService = field(default_factory=FakeService)
    healths: dict[str, FakeService] = field(
        default_factory=lambda: {
            name: FakeService() for name in ("user_svc", "movie_svc", "cinema_svc", "booking_svc")
        }
    )

    @property
    def channels(self) -> dict[str, None]:
        return dict.fromkeys(self.healths)

    def health(self, service: str) -> FakeService:
        return self.healths[service]


class UnreachableRedis:
    """A Redis that is down: the cache reads through, rate limits are held in the process."""

    def pipeline(self, **_: Any) -> Any:
        raise RedisError("no Redis in in-process tests")

    def register_script(self, _script: str) -> Any:
        async def unreachable(**_: Any) -> Any:
            raise RedisError("no Redis in in-process tests")

        return unreachable


class FakeCache:
    """Stands in for gateway.cache.CatalogueCache: always loads; remembers keys, invalidations."""

    def __init__(self) -> None:
        self.keys: list[tuple[str, str]] = []
        self.invalidated: list[tuple[str, ...]] = []

    async def get_or_load(
        self, namespace: str, key: str, load: Callable[[], Awaitable[Any]]
    ) -> Any:
        self.keys.append((namespace, key))
        return await load()

    async def respond(
        self, namespace: str, key: str, load: Callable[[], Awaitable[Any]], view: JsonView
    ) -> Response:
        self.keys.append((namespace, key))
        return json_response(view.render(await load()).body)

    async def invalidate(self, namespaces: Iterable[str]) -> None:
        self.invalidated.append(tuple(namespaces))
