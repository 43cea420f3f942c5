"""The caller's identity and request id, carried between gateway and services in gRPC metadata."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import grpc

from svckit.vocabulary import ROLE, Role

USER_ID_KEY = "x-user-id"
USER_ROLE_KEY = "x-user-role"
REQUEST_ID_KEY = "x-request-id"


@dataclass(frozen=True)
class Caller:
    """Who is calling: a signed-in user with a role."""

    user_id: int
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def caller_metadata(caller: Caller | None, request_id: str = "") -> tuple[tuple[str, str], ...]:
    """Metadata a client attaches so the service knows who asks."""
    pairs: list[tuple[str, str]] = []
    if caller is not None:
        pairs += [(USER_ID_KEY, str(caller.user_id)), (USER_ROLE_KEY, caller.role)]
    if request_id:
        pairs.append((REQUEST_ID_KEY, request_id))
    return tuple(pairs)


def metadata_value(metadata: Iterable[Any] | None, key: str) -> str:
    """One value of invocation metadata, or '' when absent."""
    for name, value in metadata or ():
        if name == key:
            return value.decode() if isinstance(value, bytes) else value
    return ""


def caller_from_context(context: grpc.aio.ServicerContext[object, object]) -> Caller | None:
    """The caller named in the request's metadata, or None for an anonymous call."""
    metadata = context.invocation_metadata()
    user_id = metadata_value(metadata, USER_ID_KEY)
    role = metadata_value(metadata, USER_ROLE_KEY)
    if not user_id.isdigit() or role not in ROLE:
        return None
    return Caller(user_id=int(user_id), role=cast(Role, role))
