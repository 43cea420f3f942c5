"""Rate limits hold without Redis (a local limiter per process), per address, account and user.

In these tests Redis is unreachable (tests/gateway/fakes.py), so every limit here is the
local fallback's.
"""

from __future__ import annotations

import logging

import httpx
import pytest

from cinemapb.user.v1 import user_pb2
from gateway.ratelimit import LocalWindows
from gateway.settings import GatewaySettings
from svckit.errors import Unauthenticated
from tests.gateway.conftest import JWT_SECRET
from tests.gateway.fakes import FakeClients, rpc_error
from tests.gateway.helpers import a_booking, a_user, assert_error
from tests.helpers import ManualClock

WRONG = rpc_error(Unauthenticated("wrong email or password", code="invalid_credentials"))


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(
        jwt_secret=JWT_SECRET,
        auth_rate_limit_per_minute=3,
        login_failures_per_account=5,
        hold_rate_limit_per_minute=2,
    )


def assert_limited(response: httpx.Response, window_seconds: int) -> None:
    assert_error(response, 429, "too_many_requests")
    assert 1 <= int(response.headers["Retry-After"]) <= window_seconds


async def test_with_redis_down_logins_per_address_are_still_limited(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.users.replies["Login"] = WRONG
    attempts = [
        await api.post("/api/auth/login", json={"email": f"u{i}@example.com", "password": "x"})
        for i in range(4)
    ]
    assert [a.status_code for a in attempts[:3]] == [401] * 3
    assert_limited(attempts[3], 60)
    assert len(services.users.calls) == 3


async def test_with_redis_down_registrations_per_address_are_still_limited(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.users.replies["Register"] = a_user()
    body = {"email": "a@example.com", "password": "Secret-123", "name": "Ada"}
    statuses = [(await api.post("/api/auth/register", json=body)).status_code for _ in range(3)]
    assert statuses == [201] * 3
    assert_limited(await api.post("/api/auth/register", json=body), 60)


async def test_failed_logins_to_one_account_are_limited_whatever_the_address(
    app_with_many_addresses: httpx.AsyncClient, services: FakeClients
) -> None:
    services.users.replies["Login"] = WRONG
    spellings = ["ada@example.com", "ADA@example.com", " Ada@Example.com ", "ada@EXAMPLE.COM"]
    for attempt in range(5):
        body = {"email": spellings[attempt % len(spellings)], "password": f"guess{attempt}"}
        response = await app_with_many_addresses.post("/api/auth/login", json=body)
        assert response.status_code == 401
    limited = await app_with_many_addresses.post(
        "/api/auth/login", json={"email": "Ada@example.com", "password": "guess"}
    )
    assert_limited(limited, 900)
    other = await app_with_many_addresses.post(
        "/api/auth/login", json={"email": "bob@example.com", "password": "guess"}
    )
    assert other.status_code == 401


async def test_successful_logins_do_not_count_against_the_account(
    app_with_many_addresses: httpx.AsyncClient, services: FakeClients
) -> None:
    services.users.replies["Login"] = user_pb2.LoginResponse(access_token="t", expires_in=900)
    body = {"email": "ada@example.com", "password": "right"}
    for _ in range(12):
        assert (await app_with_many_addresses.post("/api/auth/login", json=body)).is_success


async def test_holds_are_limited_per_user_per_minute(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str], admin: dict[str, str]
) -> None:
    services.booking.replies["CreateBooking"] = a_booking()
    hold = {"session_id": 4, "seats_id": [11]}
    statuses = [(await api.post("/api/bookings", json=hold, headers=user)).status_code]
    statuses.append((await api.post("/api/bookings", json=hold, headers=user)).status_code)
    assert statuses == [201, 201]
    assert_limited(await api.post("/api/bookings", json=hold, headers=user), 60)
    assert len(services.booking.calls) == 2
    assert (await api.post("/api/bookings", json=hold, headers=admin)).status_code == 201


async def test_holds_without_a_token_are_401_not_counted(api: httpx.AsyncClient) -> None:
    hold = {"session_id": 4, "seats_id": [11]}
    for _ in range(3):
        assert_error(await api.post("/api/bookings", json=hold), 401)


async def test_with_redis_down_a_burst_of_holds_logs_the_outage_once(
    api: httpx.AsyncClient,
    services: FakeClients,
    user: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    services.booking.replies["CreateBooking"] = a_booking()
    hold = {"session_id": 4, "seats_id": [11]}
    with caplog.at_level(logging.INFO, logger="gateway.ratelimit"):
        statuses = [
            (await api.post("/api/bookings", json=hold, headers=user)).status_code
            for _ in range(20)
        ]
    assert statuses == [201, 201] + [429] * 18
    [line] = [r for r in caplog.records if r.name == "gateway.ratelimit"]
    assert line.getMessage() == "rate limits held in this process: Redis unavailable"
    assert line.exc_info is not None


def test_the_defaults() -> None:
    settings = GatewaySettings(jwt_secret=JWT_SECRET)
    assert settings.hold_rate_limit_per_minute == 30
    assert settings.login_failures_per_account == 10
    assert settings.login_failure_window_seconds == 900


def test_a_local_window_counts_until_the_limit_then_tells_how_long_to_wait() -> None:
    clock = ManualClock()
    windows = LocalWindows(clock=clock)
    assert [windows.count("k", limit=2, window_seconds=60) for _ in range(2)] == [0, 0]
    clock.now += 10.2
    assert windows.count("k", limit=2, window_seconds=60) == 50
    assert windows.count("other", limit=2, window_seconds=60) == 0
    clock.now += 50
    assert windows.count("k", limit=2, window_seconds=60) == 0


def test_local_windows_keep_a_bounded_number_of_keys() -> None:
    clock = ManualClock()
    windows = LocalWindows(clock=clock, max_keys=100)
    for i in range(1000):
        windows.count(f"k{i}", limit=1, window_seconds=60)
    assert len(windows) <= 100
    clock.now += 61
    windows.count("fresh", limit=1, window_seconds=60)
    assert len(windows) == 1


def test_a_local_window_can_be_read_without_counting() -> None:
    clock = ManualClock()
    windows = LocalWindows(clock=clock)
    assert windows.read("k") == (0, 0)
    windows.count("k", limit=0, window_seconds=60)
    clock.now += 20.5
    assert windows.read("k") == (1, 40)
    assert windows.read("k") == (1, 40)
    clock.now += 40
    assert windows.read("k") == (0, 0)
