"""Access tokens: a token verified once is remembered, but never past its expiry or forged;
it carries the token version it was issued at."""

from __future__ import annotations

import time

import jwt
import pytest

from svckit.identity import Caller
from svckit.tokens import (
    AccessToken,
    InvalidToken,
    issue_access_token,
    verify_access_claims,
    verify_access_token,
)

SECRET = "test-secret-of-at-least-32-bytes-long"


def issue(caller: Caller, ttl_seconds: int = 60) -> str:
    return issue_access_token(caller, secret=SECRET, algorithm="HS256", ttl_seconds=ttl_seconds)


def verify(token: str, secret: str = SECRET) -> Caller:
    return verify_access_token(token, secret=secret, algorithm="HS256")


def test_a_remembered_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = issue(Caller(7, "user"), ttl_seconds=60)
    assert verify(token) == Caller(7, "user")
    assert verify(token) == Caller(7, "user")
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(InvalidToken, match="expired"):
        verify(token)


def test_a_forged_signature_is_refused_after_the_genuine_token_was_seen() -> None:
    token = issue(Caller(8, "admin"))
    assert verify(token).is_admin
    header, claims, signature = token.split(".")
    forged = f"{header}.{claims}.{signature[:-4]}AAAA"
    with pytest.raises(InvalidToken):
        verify(forged)


def test_a_remembered_token_is_not_accepted_under_another_secret() -> None:
    token = issue(Caller(9, "user"))
    assert verify(token) == Caller(9, "user")
    with pytest.raises(InvalidToken):
        verify(token, secret="another-secret-of-at-least-32-bytes")


def test_an_expired_token_is_refused_at_first_sight() -> None:
    with pytest.raises(InvalidToken, match="expired"):
        verify(issue(Caller(10, "user"), ttl_seconds=-1))


def test_a_token_carries_the_token_version_it_was_issued_at() -> None:
    token = issue_access_token(
        Caller(11, "admin"), secret=SECRET, algorithm="HS256", ttl_seconds=60, version=3
    )
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["ver"] == 3
    assert verify_access_claims(token, secret=SECRET, algorithm="HS256") == AccessToken(
        Caller(11, "admin"), 3
    )
    assert verify(token) == Caller(11, "admin")


def claims_signed(**claims: object) -> str:
    now = int(time.time())
    base = {"sub": "12", "role": "user", "iat": now, "exp": now + 60, "jti": "j"}
    return jwt.encode(base | claims, SECRET, algorithm="HS256")


def test_a_token_without_a_version_counts_as_version_zero() -> None:
    verified = verify_access_claims(claims_signed(), secret=SECRET, algorithm="HS256")
    assert verified == AccessToken(Caller(12, "user"), 0)


@pytest.mark.parametrize("version", [-1, "1", 1.5, True, None])
def test_a_token_with_an_odd_version_is_refused(version: object) -> None:
    with pytest.raises(InvalidToken, match="version"):
        verify_access_claims(claims_signed(ver=version), secret=SECRET, algorithm="HS256")


def signed(claims: dict[str, object], secret: str = SECRET) -> str:
    now = int(time.time())
    return jwt.encode(
        {"role": "user", "iat": now, "exp": now + 60, "jti": "j", **claims}, secret, "HS256"
    )


@pytest.mark.parametrize(
    "subject",
    ["\u00b2", "\u0661", "+1", "-1", " 1", "1 ", "1_000", "", "9223372036854775808", "service:x"],
)
def test_only_a_plain_ascii_user_id_names_a_user(subject: str) -> None:
    with pytest.raises(InvalidToken):
        verify(signed({"sub": subject}))


@pytest.mark.parametrize("subject", ["1", "007", "9223372036854775807"])
def test_ascii_digit_subjects_within_int64_are_users(subject: str) -> None:
    assert verify(signed({"sub": subject})) == Caller(int(subject), "user")
