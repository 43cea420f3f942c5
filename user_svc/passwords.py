"""Password policy and bcrypt hashing; the CPU-heavy work runs in a worker thread."""

from __future__ import annotations

import asyncio
import secrets

import bcrypt

from svckit.errors import InvalidArgument

MIN_LENGTH = 8
MAX_BYTES = 72
"""bcrypt only reads 72 bytes; longer passwords are refused rather than silently truncated."""

COMMON_PASSWORDS = frozenset(
    {
        "password1",
        "password12",
        "password123",
        "password1234",
        "passw0rd",
        "p4ssw0rd",
        "p@ssw0rd",
        "passw0rd1",
        "1password",
        "abc12345",
        "abcd1234",
        "abc123456",
        "a1b2c3d4",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "q1w2e3r4",
        "qwerty12",
        "qwerty123",
        "qwerty1234",
        "1qaz2wsx",
        "zaq12wsx",
        "asdf1234",
        "12345678a",
        "123456789a",
        "iloveyou1",
        "letmein1",
        "letmein123",
        "welcome1",
        "welcome123",
        "admin123",
        "admin1234",
        "administrator1",
        "football1",
        "baseball1",
        "monkey123",
        "dragon123",
        "sunshine1",
        "princess1",
        "trustno1",
        "changeme1",
        "secret123",
        "test1234",
        "user1234",
        "cinema123",
    }
)


def check_password_policy(password: str) -> None:
    """Raises InvalidArgument (weak_password) unless the password is acceptable."""
    problem = password_problem(password)
    if problem:
        raise InvalidArgument(problem, code="weak_password")


def password_problem(password: str) -> str:
    """Why the password is not acceptable, or '' when it is."""
    if len(password) < MIN_LENGTH:
        return f"password must be at least {MIN_LENGTH} characters"
    if len(password.encode()) > MAX_BYTES:
        return f"password must be at most {MAX_BYTES} bytes"
    if not any(char.isalpha() for char in password):
        return "password must contain a letter"
    if not any(char.isdigit() for char in password):
        return "password must contain a digit"
    if password.lower() in COMMON_PASSWORDS:
        return "password is too common"
    return ""


class PasswordHasher:
    """bcrypt with a configurable cost, off the event loop."""

    def __init__(self, rounds: int) -> None:
        self.rounds = rounds
        self._dummy_hash = self._hash_now(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hash_now, password)

    async def verify(self, password: str, password_hash: str) -> bool:
        """Whether the password matches; a password bcrypt cannot take never matches."""
        if len(password.encode()) > MAX_BYTES:
            return False
        return await asyncio.to_thread(bcrypt.checkpw, password.encode(), password_hash.encode())

    async def spend_verify_time(self, password: str) -> None:
        """Does the work of a failed verify, so an unknown email takes as long as a known one."""
        await self.verify(password, self._dummy_hash)

    def _hash_now(self, password: str) -> str:
        return bcrypt.hashpw(password.encode(), bcrypt.gensalt(self.rounds)).decode()
