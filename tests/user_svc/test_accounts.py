"""Account use cases against a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.errors import (
    AlreadyExists,
    Conflict,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from svckit.identity import Caller
from svckit.settings import JwtSettings
from svckit.tokens import verify_access_token
from user_svc.accounts import Accounts
from user_svc.domain import Account, AccountChanges
from user_svc.models import User

PASSWORD = "Corr3ct-Horse-Battery"
ADMIN = Caller(user_id=1_000_000_000, role="admin")


def new_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@Example.com"


def as_caller(account: Account) -> Caller:
    return Caller(user_id=account.id, role=account.role)


async def new_account(accounts: Accounts) -> Account:
    return await accounts.register(email=new_email(), password=PASSWORD, name="Test Person")


async def stored_hash(engine: AsyncEngine, user_id: int) -> str:
    async with engine.connect() as connection:
        value = await connection.scalar(select(User.password_hash).where(User.id == user_id))
    assert isinstance(value, str)
    return value


async def test_register_stores_the_email_as_given_with_role_user_and_a_bcrypt_hash(
    accounts: Accounts, engine: AsyncEngine
) -> None:
    email = new_email("Mixed.Case")
    account = await accounts.register(email=f"  {email} ", password=PASSWORD, name=" Ada ")
    assert (account.email, account.name, account.role) == (email, "Ada", "user")
    assert account.created_at.tzinfo is not None
    password_hash = await stored_hash(engine, account.id)
    assert PASSWORD not in password_hash
    assert password_hash.startswith("$2b$")


async def test_an_email_is_taken_whatever_its_case(accounts: Accounts) -> None:
    email = new_email()
    await accounts.register(email=email.lower(), password=PASSWORD, name="First")
    with pytest.raises(AlreadyExists) as taken:
        await accounts.register(email=email.upper(), password=PASSWORD, name="Second")
    assert taken.value.code == "email_taken"


async def test_concurrent_registrations_of_one_email_give_exactly_one_account(
    accounts: Accounts,
) -> None:
    email = new_email()
    attempts = [
        accounts.register(email=variant, password=PASSWORD, name="Racer")
        for variant in (email, email.upper(), email.lower(), email.title()) * 2
    ]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    created = [r for r in results if isinstance(r, Account)]
    refused = [r for r in results if isinstance(r, AlreadyExists)]
    assert len(created) == 1
    assert len(refused) == len(attempts) - 1


@pytest.mark.parametrize("email", ["", "plain", "a@b", "two@@example.com", "sp ace@example.com"])
async def test_register_refuses_an_invalid_email(accounts: Accounts, email: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await accounts.register(email=email, password=PASSWORD, name="Someone")
    assert refused.value.code == "invalid_email"


async def test_register_refuses_a_blank_name_and_a_weak_password(accounts: Accounts) -> None:
    with pytest.raises(InvalidArgument) as blank:
        await accounts.register(email=new_email(), password=PASSWORD, name="   ")
    with pytest.raises(InvalidArgument) as weak:
        await accounts.register(email=new_email(), password="password1", name="Someone")
    assert (blank.value.code, weak.value.code) == ("invalid_name", "weak_password")


async def test_login_issues_a_token_naming_the_user_and_role_for_any_email_case(
    accounts: Accounts, token_settings: JwtSettings
) -> None:
    account = await new_account(accounts)
    signed_in = await accounts.login(email=account.email.upper(), password=PASSWORD)
    caller = verify_access_token(
        signed_in.access_token,
        secret=token_settings.jwt_secret.get_secret_value(),
        algorithm=token_settings.jwt_algorithm,
    )
    assert caller == Caller(user_id=account.id, role="user")
    assert signed_in.expires_in == token_settings.jwt_ttl_seconds
    assert signed_in.account == account


@pytest.mark.parametrize("password", [PASSWORD + "x", "", "a1" * 40])
async def test_login_with_a_wrong_password_is_invalid_credentials(
    accounts: Accounts, password: str
) -> None:
    account = await new_account(accounts)
    with pytest.raises(Unauthenticated) as refused:
        await accounts.login(email=account.email, password=password)
    assert refused.value.code == "invalid_credentials"


async def test_login_with_an_unknown_email_is_the_same_invalid_credentials(
    accounts: Accounts,
) -> None:
    with pytest.raises(Unauthenticated) as refused:
        await accounts.login(email=new_email(), password=PASSWORD)
    assert refused.value.code == "invalid_credentials"
    assert refused.value.message == "wrong email or password"


async def test_users_see_themselves_but_not_others_and_admins_see_anyone(
    accounts: Accounts,
) -> None:
    me, other = await new_account(accounts), await new_account(accounts)
    assert await accounts.get(as_caller(me), me.id) == me
    assert await accounts.get(ADMIN, other.id) == other
    with pytest.raises(PermissionDenied):
        await accounts.get(as_caller(me), other.id)
    with pytest.raises(Unauthenticated):
        await accounts.get(None, me.id)
    with pytest.raises(NotFound):
        await accounts.get(ADMIN, 987_654_321)


async def test_only_admins_list_users_in_pages_by_id(accounts: Accounts) -> None:
    me = await new_account(accounts)
    for _ in range(3):
        await new_account(accounts)
    first, total = await accounts.page(ADMIN, page=1, page_size=2)
    second, same_total = await accounts.page(ADMIN, page=2, page_size=2)
    assert total == same_total >= 4
    assert len(first) == len(second) == 2
    ids = [a.id for a in first + second]
    assert ids == sorted(ids)
    assert len(set(ids)) == 4
    with pytest.raises(PermissionDenied):
        await accounts.page(as_caller(me), page=1, page_size=2)
    with pytest.raises(InvalidArgument):
        await accounts.page(ADMIN, page=1, page_size=101)


async def test_users_update_their_own_email_name_and_password(
    accounts: Accounts, engine: AsyncEngine
) -> None:
    me = await new_account(accounts)
    old_hash = await stored_hash(engine, me.id)
    email = new_email("renamed")
    changes = AccountChanges(email=email, name="Renamed", password="N3w-Passphrase")
    updated = await accounts.update(as_caller(me), me.id, changes)
    assert (updated.email, updated.name, updated.role) == (email, "Renamed", "user")
    assert updated.updated_at >= me.updated_at
    assert await stored_hash(engine, me.id) != old_hash
    await accounts.login(email=email, password="N3w-Passphrase")
    with pytest.raises(Unauthenticated):
        await accounts.login(email=email, password=PASSWORD)


async def test_an_update_to_a_taken_email_is_refused(accounts: Accounts) -> None:
    me, other = await new_account(accounts), await new_account(accounts)
    with pytest.raises(AlreadyExists) as taken:
        await accounts.update(as_caller(me), me.id, AccountChanges(email=other.email.upper()))
    assert taken.value.code == "email_taken"


async def test_a_user_may_not_change_another_account_or_their_own_role(
    accounts: Accounts,
) -> None:
    me, other = await new_account(accounts), await new_account(accounts)
    with pytest.raises(PermissionDenied):
        await accounts.update(as_caller(me), other.id, AccountChanges(name="Hijacked"))
    with pytest.raises(PermissionDenied):
        await accounts.update(as_caller(me), me.id, AccountChanges(role="admin"))
    unchanged = await accounts.update(as_caller(me), me.id, AccountChanges(role="user"))
    assert unchanged.role == "user"
    assert (await accounts.get(ADMIN, other.id)).name == other.name


async def test_an_admin_changes_roles_and_the_weak_password_rule_still_holds(
    accounts: Accounts,
) -> None:
    other = await new_account(accounts)
    promoted = await accounts.update(ADMIN, other.id, AccountChanges(role="admin"))
    assert promoted.role == "admin"
    with pytest.raises(InvalidArgument):
        await accounts.update(ADMIN, other.id, AccountChanges(password="short1"))
    with pytest.raises(NotFound):
        await accounts.update(ADMIN, 987_654_321, AccountChanges(name="Nobody"))


async def test_only_admins_delete_and_a_deleted_user_is_gone(accounts: Accounts) -> None:
    me, other = await new_account(accounts), await new_account(accounts)
    with pytest.raises(PermissionDenied):
        await accounts.delete(as_caller(me), other.id)
    await accounts.delete(ADMIN, other.id)
    with pytest.raises(NotFound):
        await accounts.get(ADMIN, other.id)
    with pytest.raises(NotFound):
        await accounts.delete(ADMIN, other.id)


async def test_ensure_admin_creates_then_resets_role_and_password_of_one_account(
    accounts: Accounts,
) -> None:
    email = new_email("admin")
    created = await accounts.ensure_admin(email=email, password="Adm1n-first", name="Boss")
    assert created.role == "admin"
    await accounts.update(ADMIN, created.id, AccountChanges(role="user", name="Kept"))
    again = await accounts.ensure_admin(email=email.upper(), password="Adm1n-second", name="X")
    assert (again.id, again.role, again.name, again.email) == (created.id, "admin", "Kept", email)
    await accounts.login(email=email, password="Adm1n-second")
    with pytest.raises(Unauthenticated):
        await accounts.login(email=email, password="Adm1n-first")


async def test_ensure_admin_from_several_replicas_at_once_makes_one_account(
    accounts: Accounts,
) -> None:
    email = new_email("admin")
    results = await asyncio.gather(
        *(accounts.ensure_admin(email=email, password="Adm1n-first", name="A") for _ in range(5))
    )
    assert {account.id for account in results} == {results[0].id}


async def test_push_subscriptions_belong_to_the_caller(accounts: Accounts) -> None:
    me, other = await new_account(accounts), await new_account(accounts)
    endpoint = f"https://push.example.com/{uuid.uuid4().hex}"
    record = await accounts.add_push_subscription(
        as_caller(me), endpoint=endpoint, p256dh="key", auth="secret"
    )
    assert record.endpoint == endpoint
    with pytest.raises(NotFound):
        await accounts.delete_push_subscription(as_caller(other), endpoint=endpoint)
    await accounts.delete_push_subscription(as_caller(me), endpoint=endpoint)
    with pytest.raises(InvalidArgument):
        await accounts.add_push_subscription(
            as_caller(me), endpoint="http://insecure.example.com/x", p256dh="k", auth="a"
        )
    with pytest.raises(Unauthenticated):
        await accounts.add_push_subscription(None, endpoint=endpoint, p256dh="k", auth="a")


def test_the_vapid_key_is_a_clear_conflict_until_web_push_is_configured(
    accounts: Accounts,
) -> None:
    with pytest.raises(Conflict) as refused:
        accounts.vapid_public_key()
    assert refused.value.code == "push_not_configured"
