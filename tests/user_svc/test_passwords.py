"""The password policy and bcrypt hashing."""

from __future__ import annotations

import pytest

from svckit.errors import InvalidArgument
from user_svc.passwords import PasswordHasher, check_password_policy, password_problem

ACCEPTED = [
    "Corr3ct-Horse-Battery",
    "abcdefg1",
    "ZYXW9876",
    "séance-à-9-heures",
    "pässwörd-42",
    "x" * 71 + "1",
]
REFUSED = [
    ("", "at least 8"),
    ("abc1234", "at least 8"),
    ("abcdefgh", "digit"),
    ("Tr0ub4dor" + "é" * 32, "72 bytes"),
    ("a1" * 37, "72 bytes"),
    ("12345678", "letter"),
    ("!!!!----", "letter"),
    ("password1", "common"),
    ("PASSWORD123", "common"),
    ("Qwerty123", "common"),
]


@pytest.mark.parametrize("password", ACCEPTED)
def test_policy_accepts_long_enough_passwords_with_letters_and_digits(password: str) -> None:
    assert password_problem(password) == ""
    check_password_policy(password)


@pytest.mark.parametrize(("password", "reason"), REFUSED)
def test_policy_refuses_weak_passwords_with_the_reason(password: str, reason: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        check_password_policy(password)
    assert refused.value.code == "weak_password"
    assert reason in refused.value.message


async def test_a_hash_is_never_the_password_and_verifies_only_that_password() -> None:
    hasher = PasswordHasher(rounds=4)
    password = "Corr3ct-Horse-Battery"
    first, second = await hasher.hash(password), await hasher.hash(password)
    assert password not in first
    assert first != second
    assert first.startswith("$2b$04$")
    assert await hasher.verify(password, first)
    assert not await hasher.verify("Corr3ct-Horse-Battery!", first)


async def test_a_password_longer_than_bcrypt_reads_never_verifies() -> None:
    hasher = PasswordHasher(rounds=4)
    stored = await hasher.hash("a1" * 36)
    assert await hasher.verify("a1" * 36, stored)
    assert not await hasher.verify("a1" * 36 + "x", stored)
