"""Session-wide local infrastructure for the infra tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.infra import Endpoints, ensure_up

LAUNCHER_TESTS = Path(__file__).with_name("test_launcher.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the launcher tests, which kill PostgreSQL and Kafka, after every other test."""
    items.sort(key=lambda item: item.path == LAUNCHER_TESTS)


@pytest.fixture(scope="session")
def infra() -> Endpoints:
    return ensure_up()
