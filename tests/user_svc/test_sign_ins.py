"""Login, refresh-token rotation and logout against a real PostgreSQL database."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Row, func, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from svckit.db import make_engine, make_sessionmaker
from svckit.errors import Unauthenticated
from svckit.identity import Caller
from svckit.tokens import AccessToken, verify_access_claims, verify_access_token
from tests.user_svc.conftest import ADMIN, PASSWORD, new_account, new_email
from user_svc.accounts import Accounts
from user_svc.domain import Account, AccountChanges
from user_svc.models import RefreshToken
from user_svc.refresh_tokens import token_hash
from user_svc.sign_ins import SignedIn, SignIns, TokenSettings


async def signed_in(accounts: Accounts, sign_ins: SignIns) -> SignedIn:
    account = await new_account(accounts)
    return await sign_ins.login(email=account.email, password=PASSWORD)


def claims(token: str, settings: TokenSettings) -> AccessToken:
    secret = settings.jwt_secret.get_secret_value()
    return verify_access_claims(token, secret=secret, algorithm=settings.jwt_algorithm)


async def refused(sign_ins: SignIns, refresh_token: str) -> None:
    with pytest.raises(Unauthenticated) as refusal:
        await sign_ins.refresh(refresh_token)
    assert refusal.value.code == "invalid_refresh_token"


async def family_rows(engine: AsyncEngine, refresh_token: str) -> list[Row[Any]]:
    """Every token of the family of `refresh_token`, oldest first."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT * FROM refresh_tokens WHERE family_id ="
                " (SELECT family_id FROM refresh_tokens WHERE token_hash = :hash) ORDER BY id"
            ),
            {"hash": token_hash(refresh_token)},
        )
        return list(rows.all())


# -- login ----------------------------------------------------------------------------------


async def test_login_issues_a_token_naming_the_user_and_role_for_any_email_case(
    accounts: Accounts, sign_ins: SignIns, token_settings: TokenSettings
) -> None:
    account = await new_account(accounts)
    signed_in = await sign_ins.login(email=account.email.upper(), password=PASSWORD)
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
    accounts: Accounts, sign_ins: SignIns, password: str
) -> None:
    account = await new_account(accounts)
    with pytest.raises(Unauthenticated) as refusal:
        await sign_ins.login(email=account.email, password=password)
    assert refusal.value.code == "invalid_credentials"


async def test_login_with_an_unknown_email_is_the_same_invalid_credentials(
    sign_ins: SignIns,
) -> None:
    with pytest.raises(Unauthenticated) as refusal:
        await sign_ins.login(email=new_email(), password=PASSWORD)
    assert refusal.value.code == "invalid_credentials"
    assert refusal.value.message == "wrong email or password"


async def test_login_returns_a_refresh_token_of_which_only_the_hash_is_stored(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    first = await signed_in(accounts, sign_ins)
    assert len(first.refresh_token) >= 43
    assert first.refresh_expires_in == 14 * 24 * 3600
    async with engine.connect() as conn:
        stored = (
            await conn.execute(
                text("SELECT * FROM refresh_tokens WHERE user_id = :id"), {"id": first.account.id}
            )
        ).one()
        raw = await conn.scalar(
            text("SELECT count(*) FROM refresh_tokens WHERE strpos(refresh_tokens::text, :t) > 0"),
            {"t": first.refresh_token},
        )
    assert stored.token_hash == token_hash(first.refresh_token)
    assert len(stored.token_hash) == 32
    assert first.refresh_token.encode() not in stored.token_hash
    assert raw == 0
    assert stored.used_at is None
    assert stored.revoked_at is None
    assert stored.expires_at > stored.created_at


async def test_every_login_starts_a_family_of_its_own(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    account = await new_account(accounts)
    one = await sign_ins.login(email=account.email, password=PASSWORD)
    two = await sign_ins.login(email=account.email, password=PASSWORD)
    assert (await family_rows(engine, one.refresh_token))[0].family_id != (
        await family_rows(engine, two.refresh_token)
    )[0].family_id


async def test_an_access_token_carries_the_users_token_version(
    accounts: Accounts, sign_ins: SignIns, token_settings: TokenSettings
) -> None:
    account = await new_account(accounts)
    first = await sign_ins.login(email=account.email, password=PASSWORD)
    assert claims(first.access_token, token_settings).version == 0
    await accounts.update(ADMIN, account.id, AccountChanges(role="admin"))
    second = await sign_ins.login(email=account.email, password=PASSWORD)
    assert claims(second.access_token, token_settings) == AccessToken(
        Caller(account.id, "admin"), 1
    )


# -- refresh --------------------------------------------------------------------------------


async def test_a_refresh_rotates_the_token_and_answers_a_fresh_access_token(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine, token_settings: TokenSettings
) -> None:
    first = await signed_in(accounts, sign_ins)
    second = await sign_ins.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert second.access_token != first.access_token
    assert second.account == first.account
    assert claims(second.access_token, token_settings) == AccessToken(
        Caller(first.account.id, "user"), 0
    )
    old, new = await family_rows(engine, first.refresh_token)
    assert old.used_at is not None
    assert old.revoked_at is None
    assert new.token_hash == token_hash(second.refresh_token)
    assert new.used_at is None
    third = await sign_ins.refresh(second.refresh_token)
    assert len(await family_rows(engine, third.refresh_token)) == 3


async def test_reusing_a_rotated_token_is_refused_and_revokes_the_whole_family(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    first = await signed_in(accounts, sign_ins)
    other_sign_in = await sign_ins.login(email=first.account.email, password=PASSWORD)
    second = await sign_ins.refresh(first.refresh_token)
    await refused(sign_ins, first.refresh_token)
    assert all(row.revoked_at is not None for row in await family_rows(engine, first.refresh_token))
    await refused(sign_ins, second.refresh_token)
    await sign_ins.refresh(other_sign_in.refresh_token)


async def test_of_twenty_concurrent_refreshes_with_one_token_exactly_one_wins(
    accounts: Accounts,
    sign_ins: SignIns,
    engine: AsyncEngine,
    user_dsn: str,
    token_settings: TokenSettings,
) -> None:
    first = await signed_in(accounts, sign_ins)
    wide = make_engine(user_dsn, pool_size=20)
    racers = SignIns(make_sessionmaker(wide), sign_ins.hasher, token_settings)
    try:
        results = await asyncio.gather(
            *(racers.refresh(first.refresh_token) for _ in range(20)), return_exceptions=True
        )
    finally:
        await wide.dispose()
    won = [result for result in results if isinstance(result, SignedIn)]
    lost = [result for result in results if isinstance(result, Unauthenticated)]
    assert (len(won), len(lost)) == (1, 19)
    assert {error.code for error in lost} == {"invalid_refresh_token"}
    rows = await family_rows(engine, first.refresh_token)
    assert [row.token_hash for row in rows] == [
        token_hash(first.refresh_token),
        token_hash(won[0].refresh_token),
    ]
    # the losers showed a spent token: that is reuse, so the family is revoked
    assert all(row.revoked_at is not None for row in rows)


async def test_a_refresh_waits_for_a_password_change_under_way_and_is_then_refused(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    first = await signed_in(accounts, sign_ins)
    user = {"id": first.account.id}
    async with engine.connect() as change:
        await change.execute(
            text("UPDATE users SET token_version = token_version + 1 WHERE id = :id"), user
        )
        refreshing = asyncio.create_task(sign_ins.refresh(first.refresh_token))
        await asyncio.sleep(0.3)
        assert not refreshing.done(), "a refresh must not slip in between bump and revocation"
        await change.execute(
            text("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = :id"), user
        )
        await change.commit()
    with pytest.raises(Unauthenticated):
        await refreshing


async def test_concurrent_refreshes_logout_and_password_change_end_with_no_live_token(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine, user_dsn: str
) -> None:
    first = await signed_in(accounts, sign_ins)
    second = await sign_ins.login(email=first.account.email, password=PASSWORD)
    me = Caller(first.account.id, "user")
    wide = make_engine(user_dsn, pool_size=20)
    racers = SignIns(make_sessionmaker(wide), sign_ins.hasher, sign_ins.settings)
    try:
        results = await asyncio.gather(
            *(racers.refresh(first.refresh_token) for _ in range(8)),
            accounts.update(me, me.user_id, AccountChanges(password="N3w-Passphrase")),
            *(racers.refresh(second.refresh_token) for _ in range(8)),
            racers.logout(second.refresh_token),
            return_exceptions=True,
        )
    finally:
        await wide.dispose()
    assert all(isinstance(r, SignedIn | Unauthenticated | Account | None) for r in results)
    async with engine.connect() as conn:
        live = await conn.scalar(
            text("SELECT count(*) FROM refresh_tokens WHERE user_id = :id AND revoked_at IS NULL"),
            {"id": me.user_id},
        )
    assert live == 0


async def test_unknown_expired_and_empty_refresh_tokens_are_refused(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    await refused(sign_ins, "")
    await refused(sign_ins, "not-a-token-we-issued")
    first = await signed_in(accounts, sign_ins)
    async with engine.begin() as conn:
        await conn.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == token_hash(first.refresh_token))
            .values(expires_at=func.now())
        )
    await refused(sign_ins, first.refresh_token)
    (row,) = await family_rows(engine, first.refresh_token)
    assert row.used_at is None


async def test_a_password_change_revokes_every_sign_in_of_the_user_but_not_others(
    accounts: Accounts, sign_ins: SignIns
) -> None:
    first = await signed_in(accounts, sign_ins)
    second = await sign_ins.login(email=first.account.email, password=PASSWORD)
    bystander = await signed_in(accounts, sign_ins)
    me = Caller(first.account.id, "user")
    await accounts.update(me, me.user_id, AccountChanges(password="N3w-Passphrase"))
    await refused(sign_ins, first.refresh_token)
    await refused(sign_ins, second.refresh_token)
    await sign_ins.refresh(bystander.refresh_token)


async def test_a_deleted_users_refresh_token_is_refused(
    accounts: Accounts, sign_ins: SignIns
) -> None:
    first = await signed_in(accounts, sign_ins)
    await accounts.delete(ADMIN, first.account.id)
    await refused(sign_ins, first.refresh_token)


async def test_the_purge_deletes_expired_refresh_tokens_only(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    expired, live = await signed_in(accounts, sign_ins), await signed_in(accounts, sign_ins)
    async with engine.begin() as conn:
        await conn.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == token_hash(expired.refresh_token))
            .values(expires_at=func.now())
        )
    purging = asyncio.create_task(sign_ins.keep_purging())
    try:
        for _ in range(100):
            if not await family_rows(engine, expired.refresh_token):
                break
            await asyncio.sleep(0.05)
    finally:
        purging.cancel()
        await asyncio.gather(purging, return_exceptions=True)
    assert await family_rows(engine, expired.refresh_token) == []
    assert len(await family_rows(engine, live.refresh_token)) == 1


# -- logout ---------------------------------------------------------------------------------


async def test_logout_revokes_the_sign_in_and_only_it(
    accounts: Accounts, sign_ins: SignIns, engine: AsyncEngine
) -> None:
    first = await signed_in(accounts, sign_ins)
    other_sign_in = await sign_ins.login(email=first.account.email, password=PASSWORD)
    second = await sign_ins.refresh(first.refresh_token)
    await sign_ins.logout(second.refresh_token)
    assert all(row.revoked_at is not None for row in await family_rows(engine, first.refresh_token))
    await refused(sign_ins, second.refresh_token)
    await sign_ins.refresh(other_sign_in.refresh_token)


async def test_logout_with_an_unknown_or_revoked_token_changes_nothing(
    accounts: Accounts, sign_ins: SignIns
) -> None:
    await sign_ins.logout("not-a-token-we-issued")
    first = await signed_in(accounts, sign_ins)
    await sign_ins.logout(first.refresh_token)
    await sign_ins.logout(first.refresh_token)


# -- token versions -------------------------------------------------------------------------


async def test_the_token_version_is_current_and_none_for_a_deleted_user(
    accounts: Accounts, sign_ins: SignIns
) -> None:
    account = await new_account(accounts)
    assert await sign_ins.token_version(account.id) == 0
    await accounts.update(ADMIN, account.id, AccountChanges(name="Renamed"))
    assert await sign_ins.token_version(account.id) == 0
    await accounts.update(ADMIN, account.id, AccountChanges(password="N3w-Passphrase"))
    await accounts.update(ADMIN, account.id, AccountChanges(role="admin"))
    assert await sign_ins.token_version(account.id) == 2
    await accounts.delete(ADMIN, account.id)
    assert await sign_ins.token_version(account.id) is None
    assert await sign_ins.token_version(987_654_321) is None
