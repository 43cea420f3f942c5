"""Booking notifications end to end: a real SMTP server and a local push service.

user_svc is restarted to send through an SMTP server this module runs (aiosmtpd) and to
accept push endpoints on 127.0.0.1, where a small HTTP server plays the push service: it
checks the VAPID token against the published key and decrypts the payload with the
browser-side keys the test made.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece  # type: ignore[import-untyped]
import httpx
import jwt
import pytest
from confluent_kafka import Consumer, Message, Producer, TopicPartition
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cinemapb.events.v1 import events_pb2
from tests.conftest import RunningStack
from tests.e2e.test_bookings import Headers, held, make_show
from tests.e2e.test_halls import assert_error
from tests.helpers import admin_token, bearer, login, new_email, register
from tests.user_svc.test_notify_mailer import Inbox, smtp_server

HOLD_SECONDS = 6
REMINDER_SECONDS = 3


@dataclass
class PushRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    arrived: float


@dataclass
class PushService:
    """Records every POST; answers 410 Gone on the paths in `gone`, 201 elsewhere."""

    port: int
    requests: list[PushRequest] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to(self, path: str) -> list[PushRequest]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0) -> list[PushRequest]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := self.to(path)) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"fewer than {count} pushes to {path} within {timeout}s")


def push_handler(service: PushService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with service.lock:
                service.requests.append(
                    PushRequest(self.path, dict(self.headers.items()), body, time.time())
                )
            self.send_response(410 if self.path in service.gone else 201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads the requests, not a log."""

    return Handler


@dataclass(frozen=True)
class Browser:
    """The browser side of a push subscription: its key pair, auth secret and endpoint."""

    path: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def subscription(self) -> dict[str, Any]:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64(point), "auth": b64(self.auth)}}

    def decrypt(self, request: PushRequest) -> dict[str, Any]:
        plain = http_ece.decrypt(
            request.body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        payload: dict[str, Any] = json.loads(plain)
        return payload


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Notifying:
    inbox: Inbox
    push: PushService

    def browser(self) -> Browser:
        path = f"/push/{uuid.uuid4().hex}"
        return Browser(
            path, self.push.origin + path, ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
        )


@pytest.fixture(scope="module")
def notifying(running_stack: RunningStack) -> Iterator[Notifying]:
    """user_svc sending through this module's SMTP server, with local push endpoints allowed."""
    with smtp_server() as (inbox, smtp_port):
        server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
        push = PushService(server.server_address[1])
        server.RequestHandlerClass = push_handler(push)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with running_stack.changed_for(
                "user_svc",
                SMTP_HOST="127.0.0.1",
                SMTP_PORT=str(smtp_port),
                SMTP_STARTTLS="false",
                PUSH_ALLOW_INSECURE_ENDPOINTS="true",
                HOLD_REMINDER_SECONDS=str(REMINDER_SECONDS),
            ):
                yield Notifying(inbox, push)
        finally:
            server.shutdown()
            server.server_close()


@dataclass(frozen=True)
class Guest:
    email: str
    headers: Headers


def guest(api: httpx.Client) -> Guest:
    email = new_email("notify")
    register(api, email)
    return Guest(email, bearer(login(api, email)))


def subscribe(api: httpx.Client, who: Guest, browser: Browser) -> None:
    response = api.post(
        "/api/me/push-subscriptions", json=browser.subscription(), headers=who.headers
    )
    assert response.status_code == 201, response.text


def confirmed(api: httpx.Client, who: Guest, session_id: int, seats: list[int]) -> dict[str, Any]:
    booking = held(api, who.headers, session_id, seats)
    response = api.post(f"/api/bookings/{booking['id']}/confirm", headers=who.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def cancel(api: httpx.Client, who: Headers, booking_id: str) -> None:
    response = api.post(f"/api/bookings/{booking_id}/cancel", headers=who)
    assert response.status_code == 200, response.text


def show_names(api: httpx.Client, session_id: int) -> tuple[str, str]:
    """The movie title and hall name of a session."""
    aggregate = api.get(f"/api/sessions/{session_id}/aggregate")
    assert aggregate.status_code == 200, aggregate.text
    return aggregate.json()["movie"]["title"], aggregate.json()["hall"]["name"]


def text(message: EmailMessage) -> str:
    """The plain-text body (a confirmation also carries its tickets' QR images)."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def lines(message: EmailMessage) -> list[str]:
    return text(message).splitlines()


def test_confirmation_and_cancellation_emails_name_the_seats_hall_time_total_and_reason(
    api: httpx.Client, notifying: Notifying
) -> None:
    admin = bearer(admin_token(api))
    user = guest(api)
    show = make_show(api, admin)
    title, hall = show_names(api, show.session_id)
    booking = confirmed(api, user, show.session_id, [show.seat_ids[6], show.seat_ids[1]])

    _, confirmation = notifying.inbox.wait_for(user.email, "Booking confirmed")
    starts = show.starts_at.astimezone(UTC)
    day = f"{starts.day} {starts:%b} {starts.year}, {starts:%H:%M} UTC"
    assert confirmation["Subject"].startswith(f"Booking confirmed: {title} on ")
    assert confirmation["From"] == "Cinema Hall <no-reply@cinema-hall.local>"
    body = lines(confirmation)
    assert f"Movie: {title}" in body
    assert f"Hall: {hall}" in body
    assert any(line.startswith("Time: ") and line.endswith(day) for line in body)
    assert "Seats: Row 1, seat 2; Row 2, seat 2" in body
    assert f"Total: {booking['total_price']:.2f}" in body
    assert any(booking["id"] in line for line in body)
    tickets = api.get(f"/api/bookings/{booking['id']}/tickets", headers=user.headers).json()
    for ticket in tickets:
        code = " ".join(ticket["code"][i : i + 4] for i in range(0, 56, 4))
        seat = ticket["seat"]
        assert f"Row {seat['row']}, seat {seat['number']}: {code}" in body
    images = [
        (part.get_filename(), part.get_content_type()) for part in confirmation.iter_attachments()
    ]
    assert images == [
        ("ticket-row1-seat2.png", "image/png"),
        ("ticket-row2-seat2.png", "image/png"),
    ]

    cancel(api, user.headers, booking["id"])
    _, cancellation = notifying.inbox.wait_for(user.email, "Booking cancelled")
    assert "your booking was cancelled: you cancelled it." in lines(cancellation)
    assert "Seats: Row 1, seat 2; Row 2, seat 2" in lines(cancellation)


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("admin cancels the booking", "the cinema cancelled it"),
        ("admin cancels the session", "the cinema cancelled the session"),
    ],
)
def test_a_cancellation_by_the_cinema_says_so(
    api: httpx.Client, notifying: Notifying, how: str, reason: str
) -> None:
    admin = bearer(admin_token(api))
    user = guest(api)
    show = make_show(api, admin)
    booking = confirmed(api, user, show.session_id, [show.seat_ids[0]])
    if how == "admin cancels the booking":
        cancel(api, admin, booking["id"])
    else:
        deleted = api.delete(f"/api/sessions/{show.session_id}", headers=admin)
        assert deleted.status_code == 204, deleted.text
    _, cancellation = notifying.inbox.wait_for(user.email, "Booking cancelled", timeout=30)
    assert f"your booking was cancelled: {reason}." in lines(cancellation)


def find_record(running_stack: RunningStack, topic: str, booking_id: str) -> Message:
    """The record of `topic` about this booking, read with a throwaway consumer group."""
    consumer = Consumer(
        {
            "bootstrap.servers": running_stack.env["KAFKA_BOOTSTRAP_SERVERS"],
            "group.id": f"notifications-test-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            record = consumer.poll(0.5)
            if record is None or record.error() is not None:
                continue
            event = events_pb2.BookingEvent.FromString(record.value() or b"")
            if event.booking_id == booking_id:
                return record
    finally:
        consumer.close()
    raise AssertionError(f"no record of booking {booking_id} on {topic}")


def republish(running_stack: RunningStack, record: Message) -> int:
    """Produces the same record again (key, value, headers, partition); returns its offset."""
    producer = Producer({"bootstrap.servers": running_stack.env["KAFKA_BOOTSTRAP_SERVERS"]})
    offsets: list[int] = []

    def delivered(error: Any, message: Message) -> None:
        assert error is None, error
        offsets.append(message.offset() or 0)

    producer.produce(
        record.topic() or "",
        key=record.key(),
        value=record.value(),
        headers=record.headers(),
        partition=record.partition() or 0,
        on_delivery=delivered,
    )
    producer.flush(10)
    assert offsets, "the duplicate was not delivered"
    return offsets[0]


def wait_until_consumed(
    running_stack: RunningStack, topic: str, partition: int, offset: int
) -> None:
    """Until user_svc's consumer group has committed past `offset` (it handled that record)."""
    group = Consumer(
        {
            "bootstrap.servers": running_stack.env["KAFKA_BOOTSTRAP_SERVERS"],
            "group.id": running_stack.topic_prefix + "user_svc.notifications",
            "enable.auto.commit": False,
        }
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            (committed,) = group.committed([TopicPartition(topic, partition)], timeout=10)
            if committed.offset > offset:
                return
            time.sleep(0.1)
    finally:
        group.close()
    raise AssertionError(f"user_svc did not consume {topic}[{partition}]@{offset}")


def test_a_confirmation_delivered_twice_is_emailed_once(
    api: httpx.Client, notifying: Notifying, running_stack: RunningStack
) -> None:
    admin = bearer(admin_token(api))
    user = guest(api)
    show = make_show(api, admin)
    booking = confirmed(api, user, show.session_id, [show.seat_ids[3]])
    notifying.inbox.wait_for(user.email, "Booking confirmed")

    topic = running_stack.topic_prefix + "booking.confirmed"
    record = find_record(running_stack, topic, booking["id"])
    event = events_pb2.BookingEvent.FromString(record.value() or b"")
    assert ("ce_id", event.event_id.encode()) in (record.headers() or [])
    duplicate = republish(running_stack, record)
    wait_until_consumed(running_stack, topic, record.partition() or 0, duplicate)

    confirmations = [
        m for m in notifying.inbox.to(user.email) if m["Subject"].startswith("Booking confirmed")
    ]
    assert len(confirmations) == 1


def verify_vapid(request: PushRequest, public_key: str, audience: str) -> dict[str, Any]:
    """Checks the RFC 8292 Authorization header; returns the token's claims."""
    scheme, _, params = request.headers["Authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.split("=", 1) for part in params.split(","))
    assert fields["k"] == public_key
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(public_key))
    claims: dict[str, Any] = jwt.decode(
        fields["t"],
        key,
        algorithms=["ES256"],
        audience=audience,
        options={"require": ["aud", "exp", "sub"]},
    )
    return claims


def test_a_push_is_signed_with_the_published_vapid_key_and_readable_only_by_the_browser(
    api: httpx.Client, notifying: Notifying
) -> None:
    public_key = api.get("/api/push/vapid-public-key").json()["public_key"]
    point = unb64(public_key)
    assert (len(point), point[0]) == (65, 4)

    admin = bearer(admin_token(api))
    user = guest(api)
    browser = notifying.browser()
    subscribe(api, user, browser)
    show = make_show(api, admin)
    title, _ = show_names(api, show.session_id)
    booking = confirmed(api, user, show.session_id, [show.seat_ids[0]])

    (request,) = notifying.push.wait_for(browser.path)
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert int(request.headers["TTL"]) > 0
    claims = verify_vapid(request, public_key, notifying.push.origin)
    assert claims["sub"] == "mailto:no-reply@cinema-hall.local"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    payload = browser.decrypt(request)
    assert payload == {
        "title": "Booking confirmed",
        "body": f"{title}: Row 1, seat 1",
        "url": f"http://127.0.0.1:8000/#/bookings?booking={booking['id']}",
        "booking_id": booking["id"],
    }
    stranger = Browser(
        browser.path, browser.endpoint, ec.generate_private_key(ec.SECP256R1()), browser.auth
    )
    with pytest.raises(http_ece.ECEException):
        stranger.decrypt(request)

    cancel(api, user.headers, booking["id"])
    _, cancelled = notifying.push.wait_for(browser.path, count=2)
    assert browser.decrypt(cancelled)["body"] == f"{title}: you cancelled it"


def test_a_subscription_the_push_service_calls_gone_gets_no_more_pushes(
    api: httpx.Client, notifying: Notifying
) -> None:
    admin = bearer(admin_token(api))
    user = guest(api)
    gone, live = notifying.browser(), notifying.browser()
    notifying.push.gone.add(gone.path)
    subscribe(api, user, gone)
    subscribe(api, user, live)
    show = make_show(api, admin)
    booking = confirmed(api, user, show.session_id, [show.seat_ids[0]])
    notifying.push.wait_for(live.path)
    cancel(api, user.headers, booking["id"])
    notifying.push.wait_for(live.path, count=2)
    assert len(notifying.push.to(gone.path)) == 1
    deleted = api.delete(
        "/api/me/push-subscriptions", params={"endpoint": gone.endpoint}, headers=user.headers
    )
    assert_error(deleted, 404, "push_subscription_not_found")


def test_push_subscriptions_are_validated_and_belong_to_their_user(
    api: httpx.Client, notifying: Notifying
) -> None:
    user, other = guest(api), guest(api)
    browser = notifying.browser()
    subscription = browser.subscription()
    assert_error(api.post("/api/me/push-subscriptions", json=subscription), 401)
    for endpoint in ("ftp://127.0.0.1/x", "https://user:pw@push.example.com/x", "not a url"):
        refused = api.post(
            "/api/me/push-subscriptions",
            json=subscription | {"endpoint": endpoint},
            headers=user.headers,
        )
        assert_error(refused, 422, "invalid_push_endpoint")
    for keys in (
        {"p256dh": "short", "auth": subscription["keys"]["auth"]},
        {"p256dh": subscription["keys"]["p256dh"], "auth": "not*base64"},
        {"p256dh": subscription["keys"]["p256dh"], "auth": b64(b"x" * 40)},
    ):
        malformed = api.post(
            "/api/me/push-subscriptions", json=subscription | {"keys": keys}, headers=user.headers
        )
        assert_error(malformed, 422, "validation_error")
    overlong = subscription | {"endpoint": "https://push.example.com/" + "a" * 3000}
    assert_error(api.post("/api/me/push-subscriptions", json=overlong, headers=user.headers), 422)

    added = api.post("/api/me/push-subscriptions", json=subscription, headers=user.headers)
    assert added.status_code == 201, added.text
    assert set(added.json()) == {"id", "endpoint", "created_at"}
    assert added.json()["endpoint"] == browser.endpoint
    where = {"endpoint": browser.endpoint}
    not_theirs = api.delete("/api/me/push-subscriptions", params=where, headers=other.headers)
    assert_error(not_theirs, 404, "push_subscription_not_found")
    removed = api.delete("/api/me/push-subscriptions", params=where, headers=user.headers)
    assert removed.status_code == 204
    again = api.delete("/api/me/push-subscriptions", params=where, headers=user.headers)
    assert_error(again, 404, "push_subscription_not_found")


@pytest.fixture
def short_holds(running_stack: RunningStack, notifying: Notifying) -> Iterator[None]:
    with running_stack.changed_for("booking_svc", BOOKING_HOLD_SECONDS=str(HOLD_SECONDS)):
        yield


def test_an_unpaid_hold_is_reminded_before_it_expires_and_a_paid_one_is_not(
    api: httpx.Client, notifying: Notifying, short_holds: None
) -> None:
    admin = bearer(admin_token(api))
    user = guest(api)
    browser = notifying.browser()
    subscribe(api, user, browser)
    show = make_show(api, admin)
    paid = confirmed(api, user, show.session_id, [show.seat_ids[0]])
    unpaid = held(api, user.headers, show.session_id, [show.seat_ids[1]])
    expires_at = datetime.fromisoformat(unpaid["expires_at"])
    assert expires_at - datetime.now(UTC) < timedelta(seconds=HOLD_SECONDS + 1)

    arrived, reminder = notifying.inbox.wait_for(user.email, "Your seats are held until")
    assert arrived < expires_at.timestamp()
    assert "Seats: Row 1, seat 2" in lines(reminder)
    assert any(unpaid["id"] in line for line in lines(reminder))
    confirmation_push, reminder_push = notifying.push.wait_for(browser.path, count=2)[:2]
    assert browser.decrypt(confirmation_push)["booking_id"] == paid["id"]
    assert browser.decrypt(reminder_push)["title"] == "Your hold expires soon"
    assert browser.decrypt(reminder_push)["booking_id"] == unpaid["id"]
    assert reminder_push.headers["Urgency"] == "high"

    _, expired = notifying.inbox.wait_for(user.email, "Booking cancelled", timeout=30)
    assert "your booking was cancelled: your hold expired before payment." in text(expired)
    assert any(unpaid["id"] in line for line in lines(expired))
    reminders = [
        m for m in notifying.inbox.to(user.email) if m["Subject"].startswith("Your seats are held")
    ]
    assert len(reminders) == 1
    assert all(paid["id"] not in line for line in lines(reminders[0]))
