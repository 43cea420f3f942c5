"""Load test: cinema-goers browse, open a seat map, hold seats, then pay or walk away.

Headless against `make run` (or use `make loadtest`):

    .venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 5 -t 30s \\
        --host http://127.0.0.1:8000

Each simulated user registers with a unique email and signs in once, then repeats the
journey: movies now showing -> one movie -> its sessions -> the seat map of a session that
has not started -> hold 1-4 free seats side by side -> pay (70 %), cancel (15 %) or abandon
the hold to expire (15 %). Losing a seat to a faster user (409) is part of a flash sale, not
a failure. `--movie-query TEXT` limits the journey to movies matching TEXT.

Locust patches the standard library with gevent: run it as its own process, never import
this module elsewhere.
"""

from __future__ import annotations

import random
import time
import uuid
from argparse import ArgumentParser
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from locust import HttpUser, between, events, task
from locust.clients import ResponseContextManager

PASSWORD = "Load-Test-Passw0rd!"
MAX_SEATS = 4
"""The contract's default BOOKING_MAX_SEATS."""
PAY_SHARE = 0.70
CANCEL_SHARE = 0.15
"""The rest of the holds are abandoned and expire after BOOKING_HOLD_SECONDS."""
BOOKABLE_AFTER = timedelta(minutes=10)
"""Sessions starting sooner are left alone: they may start while the test runs."""
AUTH_ATTEMPTS = 5


@events.init_command_line_parser.add_listener  # type: ignore[untyped-decorator]
def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--movie-query",
        default="",
        help="book only movies whose title or description contains this text",
    )


def body(response: ResponseContextManager) -> Any:
    """The JSON body, or None after marking the request failed when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        response.failure(f"not JSON: {response.text[:200]!r}")  # type: ignore[no-untyped-call]
        return None


def seats_side_by_side(seat_map: list[dict[str, Any]], count: int) -> list[int]:
    """Up to `count` free seats next to each other in a random row that has a free seat."""
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for seat in seat_map:
        if seat["status"] == "free":
            rows[seat["row"]].append(seat)
    if not rows:
        return []
    row = sorted(random.choice(list(rows.values())), key=lambda seat: seat["number"])
    start = random.randrange(len(row))
    return [seat["seat_id"] for seat in row[start : start + count]]


class CinemaGoer(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        email = f"locust-{uuid.uuid4().hex}@loadtest.example"
        self.authenticate(
            "/api/auth/register", {"email": email, "password": PASSWORD, "name": "Load Tester"}
        )
        token = self.authenticate("/api/auth/login", {"email": email, "password": PASSWORD})
        self.client.headers["Authorization"] = f"Bearer {token.get('access_token', '')}"

    def authenticate(self, path: str, payload: dict[str, str]) -> dict[str, Any]:
        """Registers or signs in, waiting out the per-client rate limit (429) like a person."""
        for _ in range(AUTH_ATTEMPTS):
            with self.client.post(path, json=payload, catch_response=True) as response:
                if response.status_code == 429:
                    response.success()
                    time.sleep(float(response.headers.get("Retry-After", "5")))
                    continue
                if response.status_code not in (200, 201):
                    response.failure(f"{response.status_code}: {response.text[:200]}")
                    return {}
                found = body(response)
                return found if isinstance(found, dict) else {}
        return {}

    @task
    def book_seats(self) -> None:
        movie_id = self.pick_movie()
        if movie_id is None:
            return
        self.client.get(f"/api/movies/{movie_id}", name="/api/movies/[id]")
        session_id = self.pick_session(movie_id)
        if session_id is None:
            return
        seats = self.open_seat_map(session_id)
        if not seats:
            return
        booking_id = self.hold(session_id, seats)
        if booking_id is None:
            return
        roll = random.random()
        if roll < PAY_SHARE:
            self.booking_action(booking_id, "confirm")
        elif roll < PAY_SHARE + CANCEL_SHARE:
            self.booking_action(booking_id, "cancel")

    def pick_movie(self) -> int | None:
        params: dict[str, str | int] = {"status": "now_showing", "page_size": 50}
        if query := self.environment.parsed_options.movie_query:
            params["q"] = query
        with self.client.get(
            "/api/movies", params=params, name="/api/movies?status=now_showing", catch_response=True
        ) as response:
            page = body(response)
        movies = page.get("items", []) if isinstance(page, dict) else []
        return int(random.choice(movies)["id"]) if movies else None

    def pick_session(self, movie_id: int) -> int | None:
        with self.client.get(
            "/api/sessions",
            params={"movie_id": movie_id, "page_size": 50},
            name="/api/sessions?movie_id=[id]",
            catch_response=True,
        ) as response:
            page = body(response)
        soon = datetime.now(UTC) + BOOKABLE_AFTER
        bookable = [
            session["id"]
            for session in (page.get("items", []) if isinstance(page, dict) else [])
            if session["status"] == "scheduled"
            and datetime.fromisoformat(session["start_time"]) > soon
        ]
        return int(random.choice(bookable)) if bookable else None

    def open_seat_map(self, session_id: int) -> list[int]:
        with self.client.get(
            f"/api/sessions/{session_id}/seats",
            name="/api/sessions/[id]/seats",
            catch_response=True,
        ) as response:
            seat_map = body(response)
        if not isinstance(seat_map, list):
            return []
        return seats_side_by_side(seat_map, random.randint(1, MAX_SEATS))

    def hold(self, session_id: int, seat_ids: list[int]) -> str | None:
        """The new booking's id, or None when another user was faster (409)."""
        with self.client.post(
            "/api/bookings",
            json={"session_id": session_id, "seats_id": seat_ids},
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.success()
                return None
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            booking = body(response)
        return str(booking["id"]) if isinstance(booking, dict) else None

    def booking_action(self, booking_id: str, action: str) -> None:
        self.client.post(
            f"/api/bookings/{booking_id}/{action}", name=f"/api/bookings/[id]/{action}"
        )
