"""Who calls: a signed-in user or another service, verified by the server from the call's token.

A call carries its caller only as a signed token (`authorization: Bearer <jwt>` metadata):
the gateway forwards the user's verified access token, a service presents its own service
token. The server's identity check (svckit.authentication) verifies it and makes the identity
current for the call; bare identity metadata (`x-user-id`, `x-user-role`) means nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from svckit.errors import PermissionDenied, Unauthenticated
from svckit.vocabulary import Role

AUTHORIZATION_KEY = "authorization"
REQUEST_ID_KEY = "x-request-id"
BEARER_PREFIX = "Bearer "
USER_ID = re.compile(r"[0-9]+")
MAX_USER_ID = 2**63 - 1
"""User ids are PostgreSQL bigints."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: a signed-in user with a role."""

    user_id: int
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_staff(self) -> bool:
        """Staff or admin: may see reports and check tickets."""
        return self.role in ("staff", "admin")


@dataclass(frozen=True)
class ServiceCaller:
    """Another service of this system, calling on its own behalf: never a user, never an admin."""

    name: str

    @property
    def subject(self) -> str:
        return f"service:{self.name}"


Identity = Caller | ServiceCaller

_current: ContextVar[Identity | None] = ContextVar("identity", default=None)


def signed_in(caller: Caller | None, message: str = "authentication required") -> Caller:
    """The calling user, or Unauthenticated for an anonymous (or service) call."""
    if caller is None:
        raise Unauthenticated(message)
    return caller


def require_admin(caller: Caller | None) -> Caller:
    """The calling admin: Unauthenticated for an anonymous call, PermissionDenied for a user.

    The one admin check of every service; a service decides in its gRPC layer (or its use
    case, where ownership matters) which of its methods need it.
    """
    caller = signed_in(caller)
    if not caller.is_admin:
        raise PermissionDenied("admin role required")
    return caller


def require_staff(caller: Caller | None) -> Caller:
    """The calling staff member or admin: Unauthenticated when anonymous, else PermissionDenied."""
    caller = signed_in(caller)
    if not caller.is_staff:
        raise PermissionDenied("staff or admin role required")
    return caller


def require_service_or_admin() -> None:
    """Lets another service of this system or an admin call; refuses everyone else."""
    if not isinstance(_current.get(), ServiceCaller):
        require_admin(current_caller())


def user_id_of(subject: str) -> int | None:
    """The user id a token subject names: ASCII digits within a bigint only, else None."""
    if USER_ID.fullmatch(subject) is None:
        return None
    user_id = int(subject)
    return user_id if user_id <= MAX_USER_ID else None


def call_metadata(token: str | None, request_id: str = "") -> tuple[tuple[str, str], ...]:
    """Metadata a client attaches: the bearer token it calls with (if any) and the request id."""
    pairs: list[tuple[str, str]] = []
    if token:
        pairs.append((AUTHORIZATION_KEY, BEARER_PREFIX + token))
    if request_id:
        pairs.append((REQUEST_ID_KEY, request_id))
    return tuple(pairs)


def metadata_value(metadata: Iterable[Any] | None, key: str) -> str:
    """One value of invocation metadata, or '' when absent."""
    for name, value in metadata or ():
        if name == key:
            return value.decode() if isinstance(value, bytes) else value
    return ""


@contextmanager
def acting_as(identity: Identity | None) -> Iterator[None]:
    """Makes `identity` the verified caller of the code run inside (the server's identity check)."""
    token = _current.set(identity)
    try:
        yield
    finally:
        _current.reset(token)


def current_identity() -> Identity | None:
    """The verified caller of the current call: a user, a service, or None (anonymous)."""
    return _current.get()


def current_caller() -> Caller | None:
    """The signed-in user the server verified for this call; None when anonymous or a service."""
    identity = _current.get()
    return identity if isinstance(identity, Caller) else None
