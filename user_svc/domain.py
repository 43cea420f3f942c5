"""Accounts and the rules about them: valid emails and names, who may see or change what."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from svckit.errors import InvalidArgument, PermissionDenied
from svckit.identity import Caller, signed_in
from svckit.vocabulary import ROLE, Role

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 100
DEFAULT_ADMIN_NAME = "Administrator"
MAX_ENDPOINT_LENGTH = 2048


@dataclass(frozen=True)
class Account:
    """A user as everyone but the password check sees it: never with the password hash."""

    id: int
    email: str
    name: str
    role: Role
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TokenHolder:
    """An account with its token version: whom a new access token names, and at what version."""

    account: Account
    version: int

    @property
    def caller(self) -> Caller:
        return Caller(user_id=self.account.id, role=self.account.role)


@dataclass(frozen=True)
class AccountChanges:
    """What an update asks to change; None leaves a field as it is."""

    email: str | None = None
    name: str | None = None
    password: str | None = None
    role: Role | None = None

    def revokes_tokens(self, account: Account) -> bool:
        """A new password or another role makes the account's tokens stale."""
        return self.password is not None or (self.role is not None and self.role != account.role)


@dataclass(frozen=True)
class PushSubscriptionRecord:
    id: int
    endpoint: str
    created_at: datetime


def valid_email(raw: str) -> str:
    """The email as given (without surrounding spaces), or InvalidArgument (invalid_email)."""
    email = raw.strip()
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidArgument(
            f"email must be at most {MAX_EMAIL_LENGTH} characters", code="invalid_email"
        )
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidArgument(f"invalid email: {error}", code="invalid_email") from None
    return email


def valid_name(raw: str) -> str:
    name = raw.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidArgument(
            f"name must be 1 to {MAX_NAME_LENGTH} characters", code="invalid_name"
        )
    return name


def valid_role(label: str) -> Role:
    """The role a label names, or InvalidArgument (invalid_role)."""
    if label not in ROLE:
        raise InvalidArgument("role must be user, staff or admin", code="invalid_role")
    return cast(Role, label)


def require_self_or_admin(caller: Caller | None, user_id: int) -> Caller:
    """Users see and change only their own account; admins any account."""
    caller = signed_in(caller)
    if not caller.is_admin and caller.user_id != user_id:
        raise PermissionDenied("you may only access your own account")
    return caller


def check_role_change(caller: Caller, account: Account, role: Role | None) -> None:
    """Only an admin changes a role; sending back the role unchanged is fine for anyone."""
    if role is not None and role != account.role and not caller.is_admin:
        raise PermissionDenied("only an admin can change a role")


def valid_push_endpoint(endpoint: str, *, allow_insecure: bool = False) -> str:
    """A browser push subscription's endpoint, or InvalidArgument (invalid_push_endpoint).

    The service POSTs to this user-supplied URL, so it must be https to a public host: no
    credentials, no fragment, no loopback or private IP literal. `allow_insecure` also lets
    http and private addresses through (a local push service in tests).
    """
    problem = _endpoint_problem(endpoint, allow_insecure=allow_insecure)
    if problem:
        raise InvalidArgument(f"invalid push endpoint: {problem}", code="invalid_push_endpoint")
    return endpoint


def _endpoint_problem(endpoint: str, *, allow_insecure: bool) -> str:
    if not 0 < len(endpoint) <= MAX_ENDPOINT_LENGTH:
        return f"must be 1 to {MAX_ENDPOINT_LENGTH} characters"
    if any(ord(char) <= 32 or ord(char) == 127 for char in endpoint):
        return "must not contain spaces or control characters"
    url = urlsplit(endpoint)
    schemes = ("https", "http") if allow_insecure else ("https",)
    if url.scheme not in schemes:
        return "must be an https URL"
    try:
        url.port  # noqa: B018 (parsing the port is the check)
    except ValueError:
        return "has an invalid port"
    host = url.hostname or ""
    if not host:
        return "must name a host"
    if url.username is not None or url.password is not None:
        return "must not carry credentials"
    if url.fragment:
        return "must not have a fragment"
    if not allow_insecure and not _public_host(host):
        return "must point to a public host"
    return ""


def _public_host(host: str) -> bool:
    """False for localhost and for IP literals that are not globally routable."""
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return address.is_global
