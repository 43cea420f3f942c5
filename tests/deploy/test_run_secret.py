"""`make run` without JWT_SECRET: a random secret made on first start, kept private, reused."""

from __future__ import annotations

import stat
from pathlib import Path

from deploy.run import JWT_SECRET_FILE, WEBHOOK_SECRET_FILE, kept_secret, local_jwt_secret
from svckit.settings import JwtSettings


def test_a_secret_from_the_environment_wins_and_nothing_is_written(tmp_path: Path) -> None:
    given = "x" * 40
    assert local_jwt_secret({"JWT_SECRET": given}, tmp_path / "state") == given
    assert not (tmp_path / "state").exists()


def test_the_first_start_generates_a_private_secret_that_later_starts_reuse(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    first = local_jwt_secret({}, state)
    assert JwtSettings(jwt_secret=first).jwt_secret.get_secret_value() == first
    assert len(first.encode()) >= 48
    path = state / JWT_SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_jwt_secret({"JWT_SECRET": ""}, state) == first
    assert local_jwt_secret({}, tmp_path / "another") != first


def test_the_webhook_secret_is_kept_beside_the_jwt_secret_and_differs(tmp_path: Path) -> None:
    state = tmp_path / "state"
    jwt = local_jwt_secret({}, state)
    webhook = kept_secret({}, state, "PAYMENTS_WEBHOOK_SECRET", WEBHOOK_SECRET_FILE)
    assert webhook != jwt
    assert len(webhook.encode()) >= 32
    assert (state / WEBHOOK_SECRET_FILE).stat().st_mode & 0o777 == 0o600
    again = kept_secret({}, state, "PAYMENTS_WEBHOOK_SECRET", WEBHOOK_SECRET_FILE)
    assert again == webhook
