"""Revoked access tokens: a token is good only while its `ver` is its user's current version.

user_svc bumps a user's token version on a password change, a role change and a deletion,
and announces it on the `user.changed` topic. Every gateway replica hears every such record
(a consumer group of its own), so a revocation takes effect everywhere within a moment;
versions of users not heard of are asked of user_svc once and kept for a few minutes.
When user_svc cannot be asked, a token no record revoked is accepted: it is signed and lives
minutes, and an outage of user_svc should not stop people booking.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc
from confluent_kafka import Consumer, Message
from google.protobuf.message import DecodeError

from cinemapb.events.v1 import events_pb2
from cinemapb.user.v1 import user_pb2, user_pb2_grpc
from svckit.kafka import arrived_records, assign_at_end, broadcast_consumer_config
from svckit.settings import KafkaSettings
from svckit.ttl_cache import TtlCache
from svckit.vocabulary import Topic

log = logging.getLogger(__name__)

TTL_SECONDS = 300.0
LOOKUP_TIMEOUT_SECONDS = 2.0
USERS_KEPT = 100_000
BATCH_SIZE = 500


@dataclass(frozen=True)
class Version:
    """A user's token version; tokens of an older version, or of a deleted user, are void."""

    number: int
    deleted: bool = False

    def voids(self, token_version: int) -> bool:
        return self.deleted or token_version < self.number

    def newest(self, other: Version | None) -> Version:
        if other is None:
            return self
        return Version(max(self.number, other.number), self.deleted or other.deleted)


Lookup = Callable[[int], Awaitable[Version]]


def user_svc_lookup(users: user_pb2_grpc.UserServiceAsyncStub) -> Lookup:
    """Asks user_svc for a user's current version."""

    async def lookup(user_id: int) -> Version:
        reply = await users.GetTokenVersion(
            user_pb2.GetTokenVersionRequest(user_id=user_id), timeout=LOOKUP_TIMEOUT_SECONDS
        )
        return Version(reply.version, reply.deleted)

    return lookup


class TokenVersions:
    """What this replica knows of users' token versions: heard from Kafka, or asked."""

    def __init__(self, lookup: Lookup, *, ttl: float = TTL_SECONDS) -> None:
        self._asked: TtlCache[int, Version] = TtlCache(lookup, ttl=ttl, max_entries=USERS_KEPT)
        self._heard: OrderedDict[int, Version] = OrderedDict()

    def heard(self, user_id: int, version: Version) -> None:
        """A user.changed record: takes effect for the next request at once."""
        self._heard[user_id] = version.newest(self._heard.get(user_id))
        self._heard.move_to_end(user_id)
        if len(self._heard) > USERS_KEPT:
            self._heard.popitem(last=False)
        self._asked.invalidate(user_id)

    async def voids(self, user_id: int, token_version: int) -> bool:
        """Whether a token of this version no longer stands for the user."""
        heard = self._heard.get(user_id)
        known: Version | None
        try:
            known = (await self._asked.get(user_id)).newest(heard)
        except grpc.aio.AioRpcError as error:
            log.warning("token version of user %d unknown: %s", user_id, error.code().name)
            known = heard
        return known is not None and known.voids(token_version)


class UserChangedFeed:
    """Follows the user.changed topic into `versions` for as long as `run` runs."""

    def __init__(self, versions: TokenVersions, settings: KafkaSettings) -> None:
        self.versions = versions
        self.settings = settings

    async def run(self) -> None:
        group = self.settings.consumer_group(f"gateway-revocation-{uuid.uuid4().hex}")
        consumer = Consumer(broadcast_consumer_config(self.settings.kafka_bootstrap_servers, group))
        topic = self.settings.topic(Topic.USER_CHANGED)
        try:
            await asyncio.to_thread(assign_at_end, consumer, [topic])
            while True:
                for record in await arrived_records(consumer, BATCH_SIZE):
                    self._hear(record)
        finally:
            await asyncio.to_thread(consumer.close)

    def _hear(self, record: Message) -> None:
        if record.error() is not None:
            log.warning("user.changed: %s", record.error())
            return
        try:
            event = events_pb2.UserChanged.FromString(record.value() or b"")
        except DecodeError:
            log.warning("user.changed: undecodable record at offset %s", record.offset())
            return
        if event.user_id > 0:
            self.versions.heard(event.user_id, Version(event.token_version, event.deleted))
