"""The live seat map over WebSocket: a snapshot, then every change, to every watcher."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.sync.client import ClientConnection, connect
from websockets.uri import parse_uri

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.conftest import RunningStack
from tests.e2e.test_bookings import Headers, held, make_show, seat_statuses
from tests.helpers import admin_token, bearer, new_user_token

CHANGE_FIELDS = {
    "type",
    "session_id",
    "version",
    "event",
    "status",
    "seat_ids",
    "reason",
    "held_until",
}
HOLD_SECONDS = 2
WAIT = 20.0


def live_url(base_url: str, session_id: int | str) -> str:
    return base_url.replace("http://", "ws://", 1) + f"/api/sessions/{session_id}/live"


@contextmanager
def watching(base_url: str, session_id: int) -> Iterator[ClientConnection]:
    """A watcher that reads everything the server sends (its own thread buffers it)."""
    with connect(live_url(base_url, session_id), open_timeout=10, max_queue=None) as ws:
        yield ws


def receive(ws: ClientConnection, timeout: float = WAIT) -> dict[str, Any]:
    return dict(json.loads(ws.recv(timeout=timeout)))


def changes(ws: ClientConnection, count: int, timeout: float = WAIT) -> list[dict[str, Any]]:
    """The next `count` messages, which must all be changes, within `timeout` in all."""
    deadline = time.monotonic() + timeout
    found = []
    for _ in range(count):
        message = receive(ws, timeout=max(0.0, deadline - time.monotonic()))
        assert message["type"] == "change", message
        found.append(message)
    return found


def confirm(api: httpx.Client, who: Headers, booking: dict[str, Any]) -> None:
    response = api.post(f"/api/bookings/{booking['id']}/confirm", headers=who)
    assert response.status_code == 200, response.text


def cancel(api: httpx.Client, who: Headers, booking: dict[str, Any]) -> None:
    response = api.post(f"/api/bookings/{booking['id']}/cancel", headers=who)
    assert response.status_code == 200, response.text


@pytest.fixture
def admin(api: httpx.Client) -> Headers:
    return bearer(admin_token(api))


@pytest.fixture
def user(api: httpx.Client) -> Headers:
    return bearer(new_user_token(api))


@pytest.fixture
def short_holds(running_stack: RunningStack) -> Iterator[None]:
    with running_stack.changed_for("booking_svc", BOOKING_HOLD_SECONDS=str(HOLD_SECONDS)):
        yield


def test_every_watcher_sees_holds_payments_cancellations_and_expiries_in_version_order(
    api: httpx.Client, running_stack: RunningStack, admin: Headers, user: Headers, short_holds: None
) -> None:
    show = make_show(api, admin)
    seats = show.seat_ids
    with ExitStack() as stack:
        feeds = [
            stack.enter_context(watching(running_stack.base_url, show.session_id)) for _ in range(3)
        ]
        snapshots = [receive(feed) for feed in feeds]
        rest = api.get(f"/api/sessions/{show.session_id}/seats")
        for snapshot in snapshots:
            assert snapshot == {
                "type": "snapshot",
                "session_id": show.session_id,
                "version": int(rest.headers["X-Seat-Map-Version"]),
                "seats": rest.json(),
            }

        paid = held(api, user, show.session_id, seats[0:2])
        confirm(api, user, paid)
        dropped = held(api, user, show.session_id, seats[2:3])
        cancel(api, user, dropped)
        held(api, user, show.session_id, seats[3:5])

        expected = [
            ("booking.created", "held", seats[0:2], ""),
            ("booking.confirmed", "booked", seats[0:2], ""),
            ("booking.created", "held", seats[2:3], ""),
            ("booking.cancelled", "free", seats[2:3], "cancelled_by_user"),
            ("booking.created", "held", seats[3:5], ""),
            ("booking.cancelled", "free", seats[3:5], "expired"),
        ]
        first = snapshots[0]["version"]
        for feed in feeds:
            received = changes(feed, len(expected), timeout=HOLD_SECONDS + WAIT)
            assert all(set(c) == CHANGE_FIELDS for c in received)
            assert {c["session_id"] for c in received} == {show.session_id}
            assert [c["version"] for c in received] == list(range(first + 1, first + 7))
            assert [(c["event"], c["status"], c["seat_ids"], c["reason"]) for c in received] == (
                [(event, status, list(ids), reason) for event, status, ids, reason in expected]
            )


def test_a_watcher_that_reconnects_gets_a_snapshot_with_the_changes_it_missed(
    api: httpx.Client, running_stack: RunningStack, admin: Headers, user: Headers
) -> None:
    show = make_show(api, admin)
    seats = show.seat_ids
    with watching(running_stack.base_url, show.session_id) as feed:
        before = receive(feed)
        first = held(api, user, show.session_id, seats[0:1])
        (seen,) = changes(feed, 1)
        assert seen["version"] == before["version"] + 1
    confirm(api, user, first)
    held(api, user, show.session_id, seats[1:3])
    with watching(running_stack.base_url, show.session_id) as feed:
        again = receive(feed)
    assert again["type"] == "snapshot"
    assert again["version"] == seen["version"] + 2
    statuses = {seat["seat_id"]: seat["status"] for seat in again["seats"]}
    assert statuses == seat_statuses(api, show.session_id)
    assert [statuses[s] for s in seats[:4]] == ["booked", "held", "held", "free"]


@pytest.mark.parametrize(
    ("session_id", "code", "reason"),
    [
        ("999999999", 4404, "session not found"),
        ("abc", 4422, "invalid session id"),
        ("0", 4422, "invalid session id"),
        ("99999999999999999999", 4422, "invalid session id"),
    ],
)
def test_a_feed_for_an_unknown_or_malformed_session_closes_with_a_code_saying_so(
    running_stack: RunningStack, session_id: str, code: int, reason: str
) -> None:
    url = live_url(running_stack.base_url, session_id)
    with connect(url, open_timeout=10) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=WAIT)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (code, reason)


# -- a stalled watcher ------------------------------------------------------------------------

SEND_BUFFER = 16 * 1024
STALLED_QUIET_SECONDS = 3.0
"""After draining a stalled socket, how long silence means the server has nothing more."""
CHURN_WORKERS = 6
CHURN_CYCLES = 25
"""Each cycle is a hold and a cancellation: 300 changes, more than a watcher's inbox holds."""


@pytest.fixture
def small_buffer_gateway(running_stack: RunningStack) -> Iterator[str]:
    """A second gateway replica in this process whose sockets have small, fixed send buffers.

    The kernel otherwise grows a socket's send buffer to megabytes, which a stalled client
    would have to fill before its feed backs up; here a few hundred kilobytes do.
    """
    env = running_stack.env
    fields = {
        name: env[name.upper()] for name in GatewaySettings.model_fields if name.upper() in env
    }
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    app = create_app(GatewaySettings.model_validate(fields))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "gateway replica failed to start"
        assert time.monotonic() < deadline, "gateway replica did not start in time"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(30)
        listener.close()


class StalledWatcher:
    """Completes the WebSocket handshake, then reads nothing until asked (tiny receive buffer)."""

    def __init__(self, url: str) -> None:
        uri = parse_uri(url)
        self.protocol = ClientProtocol(uri, max_size=None)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(WAIT)
        self.sock.connect((uri.host, uri.port))
        self.protocol.send_request(self.protocol.connect())
        self._flush()
        self.texts: list[str] = []
        while self.protocol.handshake_exc is None and not self._events():
            self.protocol.receive_data(self.sock.recv(1024))
        assert self.protocol.handshake_exc is None

    def _flush(self) -> None:
        self.sock.sendall(b"".join(self.protocol.data_to_send()))

    def _events(self) -> bool:
        """Keeps the text frames received; True once anything was received."""
        events = self.protocol.events_received()
        self.texts.extend(
            bytes(e.data).decode()
            for e in events
            if isinstance(e, Frame) and e.opcode == Opcode.TEXT
        )
        return bool(events)

    def read_until_closed(self, timeout: float = WAIT) -> int | None:
        """Reads everything now; returns the server's close code (None: no close frame)."""
        deadline = time.monotonic() + timeout
        while self.protocol.close_rcvd is None and time.monotonic() < deadline:
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                break
            if not data:
                break
            self.protocol.receive_data(data)
            self._events()
            self._flush()
        self.sock.close()
        return None if self.protocol.close_rcvd is None else self.protocol.close_rcvd.code


def churn(base_url: str, session_id: int, tokens: list[str], seats: list[int]) -> None:
    """Every worker holds its own four seats and cancels them, CHURN_CYCLES times."""

    def worker(index: int) -> None:
        who = bearer(tokens[index])
        mine = seats[4 * index : 4 * index + 4]
        with httpx.Client(base_url=base_url, timeout=30.0) as client:
            for _ in range(CHURN_CYCLES):
                cancel(client, who, held(client, who, session_id, mine))

    with ThreadPoolExecutor(CHURN_WORKERS) as pool:
        for done in [pool.submit(worker, i) for i in range(CHURN_WORKERS)]:
            done.result()


def test_a_stalled_watcher_is_dropped_while_the_others_get_every_change(
    api: httpx.Client,
    running_stack: RunningStack,
    admin: Headers,
    small_buffer_gateway: str,
) -> None:
    """The hall is large so the stalled watcher's snapshot alone fills its socket buffers.

    Whether the kernel's buffers run full before the watcher's inbox does depends on the
    machine; when they absorb everything, the stalled watcher was never too slow and must
    then hold the whole feed in order. The drop itself is proven in tests/gateway.
    """
    show = make_show(api, admin, rows=50, seats_per_row=60)
    tokens = [new_user_token(api) for _ in range(CHURN_WORKERS)]
    stalled = StalledWatcher(live_url(small_buffer_gateway, show.session_id))
    with ExitStack() as stack:
        feeds = [
            stack.enter_context(watching(url, show.session_id))
            for url in (small_buffer_gateway, small_buffer_gateway, running_stack.base_url)
        ]
        start = [receive(feed)["version"] for feed in feeds]
        churn(running_stack.base_url, show.session_id, tokens, show.seat_ids)

        total = 2 * CHURN_WORKERS * CHURN_CYCLES
        stalled.sock.settimeout(STALLED_QUIET_SECONDS)
        code = stalled.read_until_closed()
        assert json.loads(stalled.texts[0])["type"] == "snapshot"
        if code is None:
            got = [json.loads(text)["version"] for text in stalled.texts[1:]]
            assert got == sorted(got)
            assert len(got) == total
        else:
            assert code == 1013
            assert len(stalled.texts) < 1 + total
        for feed, version in zip(feeds, start, strict=True):
            received = changes(feed, total)
            assert [c["version"] for c in received] == list(range(version + 1, version + 1 + total))
