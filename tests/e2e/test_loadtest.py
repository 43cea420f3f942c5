"""The Locust journey (bench/locustfile.py) runs headless for 15 s against the stack without errors.

Locust patches the standard library with gevent, so it runs as its own process here and its
CSV statistics are read afterwards.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, RunningStack
from tests.e2e.test_halls import create_hall
from tests.helpers import admin_token, bearer

USERS = 20
SPAWN_RATE = 5
DURATION = "15s"
HALLS = 2
SESSIONS_PER_HALL = 3


def schedule_premiere(api: httpx.Client, title: str) -> None:
    """A movie now showing in two large halls, three sessions each, all starting tomorrow."""
    admin = bearer(admin_token(api))
    movie = api.post(
        "/api/movies",
        json={
            "title": title,
            "description": "Everyone wants a seat on opening night.",
            "year": 2026,
            "duration": 120,
            "age_rating": "PG-13",
            "movie_status": "now_showing",
            "genres_id": [],
        },
        headers=admin,
    )
    assert movie.status_code == 201, movie.text
    tomorrow = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    for _ in range(HALLS):
        hall = create_hall(api, admin, name="Load Hall", rows=12, seats_per_row=20)
        for slot in range(SESSIONS_PER_HALL):
            start = tomorrow + slot * timedelta(hours=3)
            session = api.post(
                "/api/sessions",
                json={
                    "movie_id": movie.json()["id"],
                    "hall_id": hall["id"],
                    "start_time": start.isoformat(),
                    "end_time": (start + timedelta(hours=2, minutes=30)).isoformat(),
                },
                headers=admin,
            )
            assert session.status_code == 201, session.text


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as stats:
        return list(csv.DictReader(stats))


@pytest.fixture
def premiere(api: httpx.Client) -> str:
    title = f"Load Test Premiere {uuid.uuid4().hex[:8]}"
    schedule_premiere(api, title)
    return title


def test_the_booking_journey_runs_for_15_seconds_without_a_failure(
    running_stack: RunningStack, premiere: str, tmp_path: Path
) -> None:
    prefix = tmp_path / "journey"
    locust = subprocess.run(
        [
            *(sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py")),
            *("--headless", "--only-summary", "--loglevel", "WARNING"),
            *("-u", str(USERS), "-r", str(SPAWN_RATE), "-t", DURATION),
            *("--host", running_stack.base_url, "--csv", str(prefix)),
            *("--movie-query", premiere),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    report = f"{locust.stdout[-3000:]}\n{locust.stderr[-3000:]}"
    assert locust.returncode == 0, report
    stats = {(row["Type"], row["Name"]): row for row in read_csv(Path(f"{prefix}_stats.csv"))}
    total = stats["", "Aggregated"]
    assert int(total["Failure Count"]) == 0, report
    assert int(total["Request Count"]) >= 150, report
    assert read_csv(Path(f"{prefix}_exceptions.csv")) == [], report
    holds = int(stats["POST", "/api/bookings"]["Request Count"])
    payments = int(stats["POST", "/api/bookings/[id]/confirm"]["Request Count"])
    assert holds >= USERS, report
    assert 0 < payments < holds, report
