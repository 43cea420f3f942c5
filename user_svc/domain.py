"""Accounts and the rules about them: valid emails and names, who may see or change what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email

from svckit.errors import InvalidArgument, PermissionDenied, Unauthenticated
from svckit.identity import Caller, Role

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 100
DEFAULT_ADMIN_NAME = "Administrator"


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
class AccountChanges:
    """What an update asks to change; None leaves a field as it is."""

    email: str | None = None
    name: str | None = None
    password: str | None = None
    role: Role | None = None


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


def signed_in(caller: Caller | None) -> Caller:
    """The caller, or Unauthenticated for an anonymous call."""
    if caller is None:
        raise Unauthenticated("authentication required")
    return caller


def require_admin(caller: Caller | None) -> Caller:
    caller = signed_in(caller)
    if not caller.is_admin:
        raise PermissionDenied("admin role required")
    return caller


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
