"""Tokens for tests that call services directly: signed with a secret known only to tests."""

from __future__ import annotations

from svckit.identity import Caller, call_metadata
from svckit.settings import JwtSettings
from svckit.tokens import issue_access_token

TEST_JWT_SECRET = "tests-only-jwt-secret-0123456789abcdef"
TEST_JWT = JwtSettings(jwt_secret=TEST_JWT_SECRET, jwt_ttl_seconds=600)
TEST_TOKEN_TTL = 6 * 3600
"""Modules make their tokens when they are collected; they must outlive the whole test run."""


def token_of(caller: Caller, secret: str = TEST_JWT_SECRET) -> str:
    return issue_access_token(caller, secret=secret, algorithm="HS256", ttl_seconds=TEST_TOKEN_TTL)


def metadata_of(caller: Caller | None, request_id: str = "") -> tuple[tuple[str, str], ...]:
    """Metadata of a call made as `caller` (None: anonymous), as the gateway would send it."""
    return call_metadata(token_of(caller) if caller else None, request_id)
