"""Small steps through the public API that many tests take."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import Consumer, TopicPartition

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

DEFAULT_PASSWORD = "Corr3ct-Horse-Battery"


class ManualClock:
    """A clock in seconds for code that takes one: it moves only when a test sets `now`."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def poll(check: Any, timeout: float = 15.0) -> Any:
    """Calls `check` until it returns something truthy or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def command_line(pid: int) -> str:
    """The process's command line, its arguments joined by spaces; "" for a zombie and
    "(ended)" when there is no such process."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "(ended)"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


def register(
    api: httpx.Client, email: str | None = None, password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    response = api.post(
        "/api/auth/register",
        json={"email": email or new_email(), "password": password, "name": "Test Person"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def login(api: httpx.Client, email: str, password: str = DEFAULT_PASSWORD) -> str:
    response = api.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def new_user_token(api: httpx.Client) -> str:
    """Registers a fresh user and returns an access token for them."""
    user = register(api)
    return login(api, user["email"])


def admin_token(api: httpx.Client) -> str:
    """The admin account that user_svc ensures from ADMIN_EMAIL / ADMIN_PASSWORD."""
    return login(api, ADMIN_EMAIL, ADMIN_PASSWORD)


async def wait_for_commits(bootstrap: str, group: str, topic: str, expected: list[int]) -> None:
    """Waits up to 10 s until `group` has committed `expected` in the partitions of `topic`."""
    deadline = time.monotonic() + 10
    while (
        offsets := await asyncio.to_thread(_committed, bootstrap, group, topic, len(expected))
    ) != expected:
        assert time.monotonic() < deadline, f"committed only {offsets}, not {expected}"
        await asyncio.sleep(0.1)


def _committed(bootstrap: str, group: str, topic: str, partitions: int) -> list[int]:
    """The offsets `group` has committed in each partition of `topic`."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        wanted = [TopicPartition(topic, partition) for partition in range(partitions)]
        return [position.offset for position in consumer.committed(wanted, timeout=10)]
    finally:
        consumer.close()
