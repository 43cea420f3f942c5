"""The seat map route in process, answered from the store: ETag and 304, the seat-map version
and cookie on answers to changes, and reads at a version the client saw forcing a load."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from tests.gateway.fakes import FakeClients
from tests.gateway.helpers import a_booking

SEATS_PATH = "/api/sessions/4/seats"
BOOKING_ID = "8d7f2b52-2a6e-4a3e-9a59-3f1f5c1b8b1e"


def seat_map(version: int, price_cents: int = 1000) -> booking_pb2.SeatMap:
    return booking_pb2.SeatMap(
        session_id=4,
        version=version,
        seats=[
            booking_pb2.SeatState(
                seat_id=11,
                row=1,
                number=4,
                type=cinema_pb2.SEAT_TYPE_STANDARD,
                price_cents=price_cents,
                status=booking_pb2.SEAT_STATUS_FREE,
            )
        ],
    )


def loads(services: FakeClients) -> int:
    return sum(call.method == "GetSeatMap" for call in services.booking.calls)


def reads(answer: str) -> float:
    return REGISTRY.get_sample_value("seat_map_reads_total", {"answer": answer}) or 0.0


async def test_a_seat_map_carries_a_strong_etag_and_if_none_match_is_answered_304(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = seat_map(5)
    memory, not_modified = reads("memory"), reads("not_modified")
    first = await api.get(SEATS_PATH)
    etag = first.headers["ETag"]
    assert etag.startswith('"5-')
    assert etag.endswith('"')
    assert first.headers["Cache-Control"] == "no-cache"

    again = await api.get(SEATS_PATH, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert again.headers["X-Seat-Map-Version"] == "5"
    weak = await api.get(SEATS_PATH, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    other = await api.get(SEATS_PATH, headers={"If-None-Match": '"4-0123456789ab"'})
    assert other.status_code == 200
    assert other.content == first.content
    assert loads(services) == 1
    assert reads("memory") == memory + 1
    assert reads("not_modified") == not_modified + 2


async def test_new_prices_at_the_same_version_change_the_etag(
    api: httpx.AsyncClient, services: FakeClients, app: FastAPI
) -> None:
    services.booking.replies["GetSeatMap"] = seat_map(5)
    before = await api.get(SEATS_PATH)
    services.booking.replies["GetSeatMap"] = seat_map(5, price_cents=1500)
    app.state.seat_maps.forget_all()
    after = await api.get(SEATS_PATH, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.json()[0]["price"] == 15.0
    assert after.headers["ETag"] != before.headers["ETag"]


@pytest.mark.parametrize(
    ("method", "rpc", "path", "body"),
    [
        ("POST", "CreateBooking", "/api/bookings", {"session_id": 4, "seats_id": [11]}),
        (
            "POST",
            "CreateBooking",
            "/api/bookings",
            {"session_id": 4, "best_available": {"count": 1}},
        ),
        ("POST", "ConfirmBooking", f"/api/bookings/{BOOKING_ID}/confirm", None),
        ("POST", "CancelBooking", f"/api/bookings/{BOOKING_ID}/cancel", None),
        ("POST", "CancelBooking", f"/api/bookings/{BOOKING_ID}/cancel", {"seat_ids": [11]}),
        ("POST", "ExtendBooking", f"/api/bookings/{BOOKING_ID}/extend", None),
    ],
)
async def test_an_answer_to_a_change_of_seats_names_its_seat_map_version_in_a_cookie(
    api: httpx.AsyncClient,
    services: FakeClients,
    user: dict[str, str],
    method: str,
    rpc: str,
    path: str,
    body: object,
) -> None:
    booking = a_booking()
    booking.seat_map_version = 9
    services.booking.replies[rpc] = booking
    response = await api.request(method, path, json=body, headers=user)
    assert response.status_code in (200, 201)
    assert response.headers["X-Seat-Map-Version"] == "9"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("seat_map_seen=9;")
    assert "Path=/api/sessions/4/seats" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Max-Age=3600" in cookie
    assert "Secure" not in cookie
    assert "seat_map_version" not in response.json()


async def test_the_cookie_is_secure_over_https_and_absent_for_a_replayed_answer(
    app: FastAPI, services: FakeClients, user: dict[str, str]
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://gateway") as client:
        booking = a_booking()
        booking.seat_map_version = 9
        services.booking.replies["CreateBooking"] = booking
        body = {"session_id": 4, "seats_id": [11]}
        secure = await client.post("/api/bookings", json=body, headers=user)
        assert "Secure" in secure.headers["Set-Cookie"]
        services.booking.replies["CreateBooking"] = a_booking()
        replayed = await client.post("/api/bookings", json=body, headers=user)
        assert replayed.status_code == 201
        assert "Set-Cookie" not in replayed.headers
        assert "X-Seat-Map-Version" not in replayed.headers


async def test_a_read_at_a_version_the_client_saw_loads_when_the_kept_map_is_older(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = seat_map(5)
    await api.get(SEATS_PATH)
    await api.get(SEATS_PATH, headers={"X-Seat-Map-Min-Version": "5"})
    assert loads(services) == 1

    loaded = reads("loaded")
    services.booking.replies["GetSeatMap"] = seat_map(6)
    by_header = await api.get(SEATS_PATH, headers={"X-Seat-Map-Min-Version": "6"})
    assert by_header.headers["X-Seat-Map-Version"] == "6"
    assert loads(services) == 2

    services.booking.replies["GetSeatMap"] = seat_map(8)
    by_cookie = await api.get(SEATS_PATH, headers={"Cookie": "seat_map_seen=7"})
    assert by_cookie.headers["X-Seat-Map-Version"] == "8"
    assert loads(services) == 3
    assert reads("loaded") == loaded + 2

    await api.get(SEATS_PATH, headers={"Cookie": "seat_map_seen=x"})
    assert loads(services) == 3


async def test_a_minimum_version_that_is_not_a_number_is_422(api: httpx.AsyncClient) -> None:
    response = await api.get(SEATS_PATH, headers={"X-Seat-Map-Min-Version": "soon"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_after_a_hold_the_same_client_reads_the_map_at_the_holds_version(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    services.booking.replies["GetSeatMap"] = seat_map(5)
    await api.get(SEATS_PATH)
    booking = a_booking()
    booking.seat_map_version = 6
    services.booking.replies["CreateBooking"] = booking
    await api.post("/api/bookings", json={"session_id": 4, "seats_id": [11]}, headers=user)
    services.booking.replies["GetSeatMap"] = seat_map(6)
    assert (await api.get(SEATS_PATH)).headers["X-Seat-Map-Version"] == "6"
    assert (await api.get("/api/sessions/5/seats")).request.headers.get("Cookie") is None


def a_big_seat_map(version: int) -> booking_pb2.SeatMap:
    return booking_pb2.SeatMap(
        session_id=4,
        version=version,
        seats=[
            booking_pb2.SeatState(seat_id=n, row=1, number=n, price_cents=1000)
            for n in range(1, 101)
        ],
    )


async def test_a_big_map_is_gzipped_for_those_who_accept_it_and_both_encodings_revalidate(
    api: httpx.AsyncClient, services: FakeClients
) -> None:
    services.booking.replies["GetSeatMap"] = a_big_seat_map(5)
    zipped = await api.get(SEATS_PATH, headers={"Accept-Encoding": "gzip"})
    plain = await api.get(SEATS_PATH, headers={"Accept-Encoding": "identity"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert zipped.json() == plain.json()
    assert len(plain.json()) == 100
    assert zipped.headers["Vary"] == plain.headers["Vary"] == "Accept-Encoding"
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gz"'
    for etag in (zipped.headers["ETag"], plain.headers["ETag"]):
        again = await api.get(SEATS_PATH, headers={"If-None-Match": etag})
        assert again.status_code == 304
    assert loads(services) == 1


async def test_a_waiting_list_join_served_at_once_names_its_version_and_one_that_waits_not(
    api: httpx.AsyncClient, services: FakeClients, user: dict[str, str]
) -> None:
    served = booking_pb2.WaitlistEntry(
        id=5, user_id=7, session_id=4, count=2, status=booking_pb2.WAITLIST_STATUS_SERVED
    )
    served.seat_map_version = 12
    services.booking.replies["JoinWaitlist"] = served
    answer = await api.post("/api/sessions/4/waitlist", json={"count": 2}, headers=user)
    assert answer.status_code == 201
    assert answer.headers["X-Seat-Map-Version"] == "12"
    assert answer.headers["Set-Cookie"].startswith("seat_map_seen=12;")
    served.seat_map_version = 0
    waiting = await api.post("/api/sessions/4/waitlist", json={"count": 2}, headers=user)
    assert "Set-Cookie" not in waiting.headers
