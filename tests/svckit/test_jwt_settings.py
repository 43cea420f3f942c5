"""JWT_SECRET: required, never a default in code, at least 32 bytes, never shown in logs."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from svckit.settings import JwtSettings

SECRET = "a-test-secret-of-32-bytes-length"


def test_a_process_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="jwt_secret"):
        JwtSettings()


@pytest.mark.parametrize("secret", ["x" * 31, "é" * 15 + "x", ""])
def test_a_secret_shorter_than_32_bytes_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="32 bytes"):
        JwtSettings(jwt_secret=secret)


@pytest.mark.parametrize("secret", [SECRET, "é" * 16])
def test_a_secret_of_32_bytes_is_enough(secret: str) -> None:
    assert JwtSettings(jwt_secret=secret).jwt_secret.get_secret_value() == secret


def test_the_secret_never_shows_in_the_settings_text() -> None:
    settings = JwtSettings(jwt_secret=SECRET)
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings)
