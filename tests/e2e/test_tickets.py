"""Tickets end to end: issued when a booking is confirmed, voided when it is cancelled, and
checked in at the door exactly once, through the five processes, PostgreSQL and Kafka."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest

from cinemapb.events.v1 import events_pb2
from svckit.kafka import headers_dict, make_consumer
from tests.conftest import RunningStack
from tests.e2e.test_bookings import Headers, held, make_show
from tests.helpers import admin_token, bearer, login, register

CONCURRENT_SCANS = 50


def staff_headers(api: httpx.Client, admin: Headers) -> Headers:
    """A new account made staff by an admin (PUT /api/users/{id}), signed in afresh."""
    account = register(api)
    made = api.put(f"/api/users/{account['id']}", json={"role": "staff"}, headers=admin)
    assert made.status_code == 200, made.text
    assert made.json()["role"] == "staff"
    return bearer(login(api, account["email"]))


def user_headers(api: httpx.Client) -> Headers:
    return bearer(login(api, register(api)["email"]))


def paid_booking(api: httpx.Client, who: Headers, session_id: int, seats: list[int]) -> str:
    booking = held(api, who, session_id, seats)
    confirmed = api.post(f"/api/bookings/{booking['id']}/confirm", headers=who)
    assert confirmed.status_code == 200, confirmed.text
    return str(booking["id"])


def tickets_of(api: httpx.Client, who: Headers, booking_id: str) -> list[dict[str, Any]]:
    response = api.get(f"/api/bookings/{booking_id}/tickets", headers=who)
    assert response.status_code == 200, response.text
    return list(response.json())


def check_in(
    api: httpx.Client, who: Headers | None, code: str, session_id: int | None = None
) -> httpx.Response:
    params = {"session_id": session_id} if session_id is not None else {}
    return api.post("/api/tickets/check-in", json={"code": code}, params=params, headers=who or {})


def ticket_rows(running_stack: RunningStack, booking_id: str) -> list[tuple[str, int | None]]:
    """(status, checked_in_by) of a booking's tickets, straight from booking_svc's database."""
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT status, checked_in_by FROM tickets WHERE booking_id = %s ORDER BY seat_id",
            (booking_id,),
        ).fetchall()
    return [(status, by) for status, by in rows]


@pytest.fixture
def admin(api: httpx.Client) -> Headers:
    return bearer(admin_token(api))


def test_tickets_are_issued_only_for_confirmed_bookings_and_voided_on_cancel(
    api: httpx.Client, admin: Headers, running_stack: RunningStack
) -> None:
    show = make_show(api, admin)
    owner = user_headers(api)
    staff = staff_headers(api, admin)
    booking = held(api, owner, show.session_id, show.seat_ids[:2])
    assert tickets_of(api, owner, booking["id"]) == []
    assert ticket_rows(running_stack, booking["id"]) == []

    assert api.post(f"/api/bookings/{booking['id']}/confirm", headers=owner).is_success
    tickets = tickets_of(api, owner, booking["id"])
    assert [t["seat"]["seat_id"] for t in tickets] == show.seat_ids[:2]
    assert {t["status"] for t in tickets} == {"valid"}
    assert {t["session_id"] for t in tickets} == {show.session_id}
    assert all(len(t["code"]) == 56 for t in tickets)
    assert len({t["code"] for t in tickets}) == 2
    assert tickets_of(api, admin, booking["id"]) == tickets
    assert ticket_rows(running_stack, booking["id"]) == [("valid", None), ("valid", None)]

    stranger = user_headers(api)
    for who, status in ((stranger, 404), (staff, 404), ({}, 401)):
        response = api.get(f"/api/bookings/{booking['id']}/tickets", headers=who)
        assert response.status_code == status, response.text
    qr = f"/api/tickets/{tickets[0]['ticket_id']}/qr.svg"
    for who, status in ((owner, 200), (staff, 200), (admin, 200), (stranger, 404), ({}, 401)):
        assert api.get(qr, headers=who).status_code == status
    image = api.get(qr, headers=owner)
    assert image.headers["content-type"] == "image/svg+xml"
    assert image.content.startswith(b"<svg")

    assert api.post(f"/api/bookings/{booking['id']}/cancel", headers=owner).is_success
    assert {t["status"] for t in tickets_of(api, owner, booking["id"])} == {"void"}
    assert ticket_rows(running_stack, booking["id"]) == [("void", None), ("void", None)]
    refused = check_in(api, staff, tickets[0]["code"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "ticket_void"


def test_fifty_concurrent_check_ins_of_one_code_admit_it_once(
    api: httpx.Client, admin: Headers, running_stack: RunningStack
) -> None:
    show = make_show(api, admin)
    owner = user_headers(api)
    staff = staff_headers(api, admin)
    booking_id = paid_booking(api, owner, show.session_id, show.seat_ids[:1])
    (ticket,) = tickets_of(api, owner, booking_id)
    consumer = make_consumer(running_stack.env["KAFKA_BOOTSTRAP_SERVERS"], f"door-{uuid.uuid4()}")
    consumer.subscribe([running_stack.topic_prefix + "ticket.checked-in"])

    def scan(_: int) -> httpx.Response:
        with httpx.Client(base_url=running_stack.base_url, timeout=60) as client:
            return check_in(client, staff, ticket["code"], show.session_id)

    with ThreadPoolExecutor(max_workers=CONCURRENT_SCANS) as pool:
        answers = list(pool.map(scan, range(CONCURRENT_SCANS)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [409] * (CONCURRENT_SCANS - 1)
    (admitted,) = [a.json() for a in answers if a.status_code == 200]
    refusals = [a.json() for a in answers if a.status_code == 409]
    assert {r["code"] for r in refusals} == {"already_checked_in"}
    assert {r["checked_in_by"] for r in refusals} == {admitted["checked_in_by"]}
    assert admitted["ticket_id"] == ticket["ticket_id"]
    assert admitted["seat"] == ticket["seat"]
    assert admitted["session"]["id"] == show.session_id
    assert admitted["movie"]["title"].startswith("Seat Nine")
    [(status, by)] = ticket_rows(running_stack, booking_id)
    assert (status, by) == ("used", admitted["checked_in_by"])
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        (events,) = conn.execute(
            "SELECT count(*) FROM outbox WHERE topic = %s AND key = %s",
            (running_stack.topic_prefix + "ticket.checked-in", str(show.session_id)),
        ).fetchone() or (0,)
    assert events == 1
    assert tickets_of(api, owner, booking_id)[0]["status"] == "used"

    deadline = time.monotonic() + 30
    event = None
    try:
        while event is None and time.monotonic() < deadline:
            record = consumer.poll(0.5)
            if record is None or record.error() is not None:
                continue
            found = events_pb2.TicketCheckedIn.FromString(record.value() or b"")
            if found.ticket_id == ticket["ticket_id"]:
                event = (record, found)
    finally:
        consumer.close()
    assert event is not None, "no ticket.checked-in event on Kafka"
    record, found = event
    assert (record.key() or b"").decode() == str(show.session_id)
    assert headers_dict(record)["ce_type"] == "ticket.checked_in"
    assert (found.booking_id, found.checked_in_by) == (booking_id, admitted["checked_in_by"])


def test_the_door_refuses_forged_codes_and_other_sessions_tickets(
    api: httpx.Client, admin: Headers
) -> None:
    show, other_show = make_show(api, admin), make_show(api, admin)
    owner = user_headers(api)
    staff = staff_headers(api, admin)
    booking_id = paid_booking(api, owner, show.session_id, show.seat_ids[:1])
    (ticket,) = tickets_of(api, owner, booking_id)
    code = ticket["code"]
    flipped = code[:20] + ("A" if code[20] != "A" else "B") + code[21:]
    forged = check_in(api, staff, flipped)
    assert forged.status_code == 422, forged.text
    assert forged.json()["code"] == "invalid_ticket"
    for garbage in ("hello", "A" * 56):
        assert check_in(api, staff, garbage).json()["code"] == "invalid_ticket"
    elsewhere = check_in(api, staff, code, other_show.session_id)
    assert elsewhere.status_code == 409, elsewhere.text
    assert elsewhere.json()["code"] == "wrong_session"
    assert elsewhere.json()["ticket_session_id"] == show.session_id
    typed = " ".join(code[i : i + 4] for i in range(0, 56, 4)).lower()
    assert check_in(api, staff, typed, show.session_id).status_code == 200


def test_only_staff_and_admins_check_tickets_in(api: httpx.Client, admin: Headers) -> None:
    show = make_show(api, admin)
    owner = user_headers(api)
    booking_id = paid_booking(api, owner, show.session_id, show.seat_ids[:2])
    first, second = tickets_of(api, owner, booking_id)
    assert check_in(api, None, first["code"]).status_code == 401
    refused = check_in(api, owner, first["code"])
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "forbidden"
    assert check_in(api, staff_headers(api, admin), first["code"]).status_code == 200
    assert check_in(api, admin, second["code"]).status_code == 200
    assert {t["status"] for t in tickets_of(api, owner, booking_id)} == {"used"}
