"""Prometheus metrics move with what users do, and one request id follows a hold through the logs.

The gateway serves its metrics on GATEWAY_METRICS_PORT (not the API port); booking_svc is
restarted for this module with a metrics port of its own (other local stacks may hold the default
one) and 2-second holds.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import LOGS, RunningStack
from tests.e2e.test_bookings import Show, held, hold, make_show
from tests.helpers import admin_token, bearer, new_user_token

HOLD_SECONDS = 2
BOOKING_SERVICE = "cinemapb.booking.v1.BookingService"
WAIT_SECONDS = 20.0


class Scrape:
    """One scrape of a /metrics endpoint: sample values by name and labels."""

    def __init__(self, url: str) -> None:
        response = httpx.get(url, timeout=10.0)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain")
        self.values = {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }

    def value(self, name: str, **labels: str) -> float:
        return self.values.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        return any(
            sample == name and labels.items() <= dict(pairs).items()
            for sample, pairs in self.values
        )


def moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


def eventually(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while not (result := check()):
        assert time.monotonic() < deadline, f"not within {WAIT_SECONDS:.0f}s: {what}"
        time.sleep(0.2)
    return result


@pytest.fixture(scope="module")
def booking_metrics(running_stack: RunningStack) -> Iterator[str]:
    """The URL of booking_svc's metrics (restarted with short holds for the expiry test)."""
    port = running_stack.env["BOOKING_SVC_METRICS_PORT"]
    with running_stack.changed_for("booking_svc", BOOKING_HOLD_SECONDS=str(HOLD_SECONDS)):
        yield f"http://127.0.0.1:{port}/metrics"


@pytest.fixture
def gateway_metrics(running_stack: RunningStack) -> str:
    return f"http://127.0.0.1:{running_stack.env['GATEWAY_METRICS_PORT']}/metrics"


@pytest.fixture
def show(api: httpx.Client) -> Show:
    return make_show(api, bearer(admin_token(api)))


def test_a_hold_moves_the_request_hold_call_and_outbox_counters(
    api: httpx.Client, show: Show, gateway_metrics: str, booking_metrics: str
) -> None:
    user = bearer(new_user_token(api))
    gateway_before, booking_before = Scrape(gateway_metrics), Scrape(booking_metrics)

    held(api, user, show.session_id, show.seat_ids[:2])

    gateway_after, booking_after = Scrape(gateway_metrics), Scrape(booking_metrics)
    request = {"method": "POST", "route": "/api/bookings"}
    assert moved(gateway_before, gateway_after, "http_requests_total", **request, status="201") == 1
    assert moved(gateway_before, gateway_after, "http_request_duration_seconds_count", **request)
    assert moved(booking_before, booking_after, "booking_holds_created_total") == 1
    call = {"grpc_service": BOOKING_SERVICE, "grpc_method": "CreateBooking"}
    assert (
        moved(booking_before, booking_after, "grpc_server_handled_total", **call, grpc_code="OK")
        == 1
    )
    assert moved(booking_before, booking_after, "grpc_server_handling_seconds_count", **call) == 1

    def relayed() -> Scrape | None:
        now = Scrape(booking_metrics)
        published = moved(booking_before, now, "outbox_published_total", source="booking_svc")
        return now if published >= 1 else None

    relay = eventually(relayed, "the hold's booking.created published by the outbox relay")
    assert moved(booking_before, relay, "outbox_relay_lag_seconds_count", source="booking_svc")
    assert relay.value("outbox_backlog", source="booking_svc") == 0


def test_conflicts_payments_and_cancellations_are_counted_by_outcome(
    api: httpx.Client, show: Show, gateway_metrics: str, booking_metrics: str
) -> None:
    alice, bob = bearer(new_user_token(api)), bearer(new_user_token(api))
    gateway_before, booking_before = Scrape(gateway_metrics), Scrape(booking_metrics)

    first = held(api, alice, show.session_id, [show.seat_ids[0]])
    assert hold(api, bob, show.session_id, show.seat_ids[:2]).status_code == 409
    paid = api.post(f"/api/bookings/{first['id']}/confirm", headers=alice)
    assert paid.status_code == 200, paid.text
    second = held(api, bob, show.session_id, [show.seat_ids[2]])
    cancelled = api.post(f"/api/bookings/{second['id']}/cancel", headers=bob)
    assert cancelled.status_code == 200, cancelled.text

    gateway_after, booking_after = Scrape(gateway_metrics), Scrape(booking_metrics)
    assert moved(booking_before, booking_after, "booking_holds_created_total") == 2
    assert moved(booking_before, booking_after, "booking_holds_conflicted_total") == 1
    assert moved(booking_before, booking_after, "booking_confirmations_total") == 1
    by_user = {"reason": "cancelled_by_user"}
    assert moved(booking_before, booking_after, "booking_cancellations_total", **by_user) == 1
    taken = {"grpc_method": "CreateBooking", "grpc_code": "ALREADY_EXISTS"}
    call = {"grpc_service": BOOKING_SERVICE, **taken}
    assert moved(booking_before, booking_after, "grpc_server_handled_total", **call) == 1
    routes = {
        ("/api/bookings", "409"): 1,
        ("/api/bookings", "201"): 2,
        ("/api/bookings/{booking_id}/confirm", "200"): 1,
        ("/api/bookings/{booking_id}/cancel", "200"): 1,
    }
    for (route, status), count in routes.items():
        labels = {"method": "POST", "route": route, "status": status}
        assert moved(gateway_before, gateway_after, "http_requests_total", **labels) == count


def test_expired_holds_are_counted_with_their_lag(
    api: httpx.Client, show: Show, booking_metrics: str
) -> None:
    user = bearer(new_user_token(api))
    before = Scrape(booking_metrics)
    held(api, user, show.session_id, [show.seat_ids[-1]])

    def expired() -> Scrape | None:
        now = Scrape(booking_metrics)
        return now if moved(before, now, "booking_expiry_lag_seconds_count") >= 1 else None

    after = eventually(expired, "the hold expired by the expirer")
    assert moved(before, after, "booking_cancellations_total", reason="expired") >= 1
    assert moved(before, after, "booking_expiry_lag_seconds_bucket", le="+Inf") >= 1


def reports_lag(url: str, consumer: str) -> Callable[[], bool]:
    return lambda: Scrape(url).has("kafka_consumer_lag", consumer=consumer)


def test_consumers_report_their_lag(gateway_metrics: str, booking_metrics: str) -> None:
    for url, consumer in (
        (gateway_metrics, "gateway.live"),
        (booking_metrics, "booking_svc.session-events"),
        (booking_metrics, "booking_svc.seating-cache"),
    ):
        eventually(reports_lag(url, consumer), f"{consumer} reports its consumer lag")


def log_entries(path: Path, offset: int, logger: str, request_id: str) -> list[dict[str, Any]]:
    """The JSON lines of `logger` written to `path` after `offset` that carry `request_id`."""
    with path.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    entries = [json.loads(line) for line in lines if request_id in line and line.startswith("{")]
    return [e for e in entries if e.get("request_id") == request_id and e["logger"] == logger]


def test_one_request_id_follows_a_hold_from_the_gateway_into_booking_svc_logs(
    api: httpx.Client, show: Show, booking_metrics: str
) -> None:
    logs = {name: LOGS / f"{name}.log" for name in ("gateway", "booking_svc")}
    offsets = {name: path.stat().st_size for name, path in logs.items()}
    request_id = f"trace-{uuid.uuid4().hex}"
    user = bearer(new_user_token(api))

    response = hold(api, user | {"X-Request-ID": request_id}, show.session_id, show.seat_ids[3:5])

    assert response.status_code == 201, response.text
    assert response.headers["X-Request-ID"] == request_id
    access = eventually(
        lambda: log_entries(logs["gateway"], offsets["gateway"], "gateway.access", request_id),
        "the gateway's access log line",
    )
    assert [(e["method"], e["route"], e["status"]) for e in access] == [
        ("POST", "/api/bookings", 201)
    ]
    assert access[0]["duration_ms"] > 0
    booked = eventually(
        lambda: log_entries(
            logs["booking_svc"], offsets["booking_svc"], "booking_svc.service", request_id
        ),
        "booking_svc's log line for the hold",
    )
    assert [(e["booking_id"], e["status"]) for e in booked] == [(response.json()["id"], "pending")]


def test_requests_outside_the_api_are_labelled_by_template_never_by_raw_path(
    api: httpx.Client, gateway_metrics: str
) -> None:
    unknown = f"/no-such-page-{uuid.uuid4().hex}"
    before = Scrape(gateway_metrics)
    assert api.get("/static/styles.css").status_code == 200
    assert api.get(unknown).status_code == 404
    after = Scrape(gateway_metrics)
    static = {"method": "GET", "route": "/static/{path}", "status": "200"}
    assert moved(before, after, "http_requests_total", **static) == 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert moved(before, after, "http_requests_total", **unmatched) == 1
    assert not after.has("http_requests_total", route=unknown)
    assert not after.has("http_requests_total", route="/static/styles.css")


def test_the_gateway_makes_a_request_id_when_the_client_sends_none(api: httpx.Client) -> None:
    first, second = api.get("/healthz"), api.get("/healthz")
    assert len(first.headers["X-Request-ID"]) == 32
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_metrics_stay_out_of_the_api_docs(api: httpx.Client) -> None:
    assert "/metrics" not in api.get("/openapi.json").json()["paths"]
