"""The operator routes in process: who may call them, layout and price requests, report labels
and CSV, and the audit trail merged from two services."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
from google.protobuf import empty_pb2

from cinemapb.audit.v1 import audit_pb2
from cinemapb.booking.v1 import booking_pb2
from cinemapb.cinema.v1 import cinema_pb2
from cinemapb.movie.v1 import movie_pb2
from gateway.settings import GatewaySettings
from svckit.errors import Conflict
from svckit.identity import Caller
from tests.gateway.conftest import token_for
from tests.gateway.fakes import FakeClients, rpc_error
from tests.gateway.helpers import LATER, MOMENT, a_hall, a_movie, a_session, assert_error

STAFF_ID = 9
SESSION = {
    "movie_id": 5,
    "hall_id": 2,
    "start_time": "2030-03-17T19:46:40+02:00",
    "end_time": "2030-03-17T21:46:40+02:00",
}
ROUTES: list[tuple[str, str, dict[str, Any] | None, bool]] = [
    # method, path, body, staff allowed
    ("GET", "/api/reports/sessions/4", None, True),
    ("GET", "/api/reports/sales?from=2030-03-01&to=2030-03-31", None, True),
    ("PATCH", "/api/halls/2/layout", {"remove": [11]}, False),
    ("PUT", "/api/seats/11", {"row": 1, "number": 1, "type": "vip"}, False),
    ("DELETE", "/api/seats/11", None, False),
    ("POST", "/api/sessions", SESSION | {"prices": {"vip": 20}}, False),
    ("PUT", "/api/sessions/4", SESSION | {"prices": {"vip": 20}}, False),
    ("GET", "/api/audit?entity=hall&id=2", None, False),
]


@pytest.fixture
def staff(settings: GatewaySettings) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(settings, Caller(STAFF_ID, 'staff'))}"}


@pytest.fixture
def answering(services: FakeClients) -> FakeClients:
    """Every service call of the operator routes answers something plausible."""
    services.booking.replies["GetSessionReport"] = booking_pb2.SessionReport(
        session_id=4, seats_total=10, sold=3, held=2, free=5, revenue_cents=4550
    )
    services.booking.replies["GetSalesReport"] = booking_pb2.SalesReport(total=0)
    services.cinema.replies["EditHallLayout"] = a_hall()
    services.cinema.replies["UpdateSeat"] = cinema_pb2.Seat(id=11, hall_id=2, row=1, number=1)
    services.cinema.replies["DeleteSeat"] = empty_pb2.Empty()
    services.cinema.replies["CreateSession"] = a_session()
    services.cinema.replies["UpdateSession"] = a_session()
    services.cinema.replies["ListAudit"] = audit_pb2.ListAuditResponse()
    services.movies.replies["ListAudit"] = audit_pb2.ListAuditResponse()
    return services


@pytest.mark.parametrize(("method", "path", "body", "staff_allowed"), ROUTES)
async def test_every_operator_route_refuses_anonymous_and_users_and_staff_where_it_must(
    api: httpx.AsyncClient,
    answering: FakeClients,
    user: dict[str, str],
    staff: dict[str, str],
    admin: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    staff_allowed: bool,
) -> None:
    assert_error(await api.request(method, path, json=body), 401, "unauthenticated")
    assert_error(await api.request(method, path, json=body, headers=user), 403, "forbidden")
    as_staff = await api.request(method, path, json=body, headers=staff)
    if staff_allowed:
        assert as_staff.status_code == 200, as_staff.text
    else:
        assert_error(as_staff, 403, "forbidden")
    as_admin = await api.request(method, path, json=body, headers=admin)
    assert as_admin.status_code < 300, as_admin.text


async def test_a_layout_edit_is_one_request_with_every_change(
    api: httpx.AsyncClient, answering: FakeClients, admin: dict[str, str]
) -> None:
    body = {
        "name": "Blue Hall",
        "add": [{"row": 3, "number": 1, "type": "wheelchair"}],
        "retype": [{"seat_id": 11, "type": "companion"}],
        "remove": [12, 13],
    }
    response = await api.patch("/api/halls/2/layout", json=body, headers=admin)
    assert response.status_code == 200, response.text
    sent = answering.cinema.last("EditHallLayout").request
    assert sent.hall_id == 2
    assert sent.name == "Blue Hall"
    assert sent.HasField("name")
    assert [(s.row, s.number, s.type) for s in sent.add] == [
        (3, 1, cinema_pb2.SEAT_TYPE_WHEELCHAIR)
    ]
    assert [(r.seat_id, r.type) for r in sent.retype] == [(11, cinema_pb2.SEAT_TYPE_COMPANION)]
    assert list(sent.remove) == [12, 13]


async def test_a_layout_edit_without_a_name_keeps_it(
    api: httpx.AsyncClient, answering: FakeClients, admin: dict[str, str]
) -> None:
    await api.patch("/api/halls/2/layout", json={"remove": [12]}, headers=admin)
    assert not answering.cinema.last("EditHallLayout").request.HasField("name")


async def test_a_refused_layout_edit_names_the_sessions_with_live_bookings(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    sessions = [{"session_id": 7, "start_time": "2030-03-17T17:46:40+00:00", "seat_ids": [11]}]
    services.cinema.replies["EditHallLayout"] = rpc_error(
        Conflict(
            "seats 11 have live bookings in session 7 at 2030-03-17 17:46 UTC",
            code="seats_booked",
            details={"seat_ids": [11], "sessions": sessions},
        )
    )
    response = await api.patch("/api/halls/2/layout", json={"remove": [11]}, headers=admin)
    assert_error(response, 409, "seats_booked")
    assert "session 7" in response.json()["error"]
    assert response.json()["sessions"] == sessions


@pytest.mark.parametrize(
    "body",
    [
        {"remove": [0]},
        {"retype": [{"seat_id": 1, "type": "balcony"}]},
        {"add": [{"row": 0, "number": 1}]},
        {"name": "tab\there"},
        {"remove": "11"},
    ],
)
async def test_a_malformed_layout_edit_is_refused_before_any_service_call(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str], body: dict[str, Any]
) -> None:
    assert_error(await api.patch("/api/halls/2/layout", json=body, headers=admin), 422)
    assert services.cinema.calls == []


async def test_session_prices_are_sent_in_cents_per_seat_type(
    api: httpx.AsyncClient, answering: FakeClients, admin: dict[str, str]
) -> None:
    body = SESSION | {"prices": {"vip": 18.5, "wheelchair": 7}}
    assert (await api.post("/api/sessions", json=body, headers=admin)).status_code == 201
    sent = answering.cinema.last("CreateSession").request
    assert sent.HasField("prices")
    assert {(p.type, p.price_cents) for p in sent.prices.items} == {
        (cinema_pb2.SEAT_TYPE_VIP, 1850),
        (cinema_pb2.SEAT_TYPE_WHEELCHAIR, 700),
    }


async def test_a_session_change_without_prices_keeps_them_and_empty_prices_reset_them(
    api: httpx.AsyncClient, answering: FakeClients, admin: dict[str, str]
) -> None:
    await api.put("/api/sessions/4", json=SESSION, headers=admin)
    assert not answering.cinema.last("UpdateSession").request.HasField("prices")
    await api.put("/api/sessions/4", json=SESSION | {"prices": {}}, headers=admin)
    reset = answering.cinema.last("UpdateSession").request
    assert reset.HasField("prices")
    assert list(reset.prices.items) == []


@pytest.mark.parametrize(
    "prices", [{"standard": 12}, {"vip": 0}, {"vip": -1}, {"vip": 1.234}, {"vip": True}, {"x": 1}]
)
async def test_bad_seat_type_prices_are_refused(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str], prices: dict[str, Any]
) -> None:
    response = await api.post("/api/sessions", json=SESSION | {"prices": prices}, headers=admin)
    assert_error(response, 422, "validation_error")
    assert services.cinema.calls == []


async def test_a_session_report_answers_json_or_csv(
    api: httpx.AsyncClient, answering: FakeClients, staff: dict[str, str]
) -> None:
    response = await api.get("/api/reports/sessions/4", headers=staff)
    assert response.json() == {
        "session_id": 4,
        "seats_total": 10,
        "sold": 3,
        "held": 2,
        "free": 5,
        "revenue": 45.5,
    }
    for extra in ({"params": {"format": "csv"}}, {"headers": {"accept": "text/csv"}}):
        headers = staff | extra.get("headers", {})
        answer = await api.get(
            "/api/reports/sessions/4", params=extra.get("params"), headers=headers
        )
        assert answer.headers["content-type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(answer.text))) == [
            ["session_id", "seats_total", "sold", "held", "free", "revenue"],
            ["4", "10", "3", "2", "5", "45.50"],
        ]


def sales_row(key: str, movie_id: int = 0, **fields: Any) -> booking_pb2.SalesRow:
    return booking_pb2.SalesRow(
        key=key, bookings=2, seats_sold=3, revenue_cents=3750, movie_id=movie_id, **fields
    )


async def test_sales_rows_are_labelled_with_titles_from_one_movie_call(
    api: httpx.AsyncClient, services: FakeClients, staff: dict[str, str]
) -> None:
    services.booking.replies["GetSalesReport"] = booking_pb2.SalesReport(
        items=[sales_row("4", 5, starts_at=MOMENT), sales_row("6", 8, starts_at=LATER)], total=2
    )
    services.movies.replies["ListMovies"] = movie_pb2.ListMoviesResponse(items=[a_movie(5)])
    response = await api.get(
        "/api/reports/sales",
        params={"from": "2030-03-17", "to": "2030-03-17", "group_by": "session"},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == [
        {
            "key": "4",
            "label": "2030-03-17 17:46 · Arrival",
            "bookings": 2,
            "seats_sold": 3,
            "revenue": 37.5,
        },
        {
            "key": "6",
            "label": "2030-03-17 19:46 · movie 8 (deleted)",
            "bookings": 2,
            "seats_sold": 3,
            "revenue": 37.5,
        },
    ]
    assert len([c for c in services.movies.calls if c.method == "ListMovies"]) == 1
    assert list(services.movies.last("ListMovies").request.ids) == [5, 8]
    sent = services.booking.last("GetSalesReport").request
    assert (sent.from_day, sent.to_day, sent.group_by) == (
        "2030-03-17",
        "2030-03-17",
        booking_pb2.SALES_GROUPING_SESSION,
    )


async def test_the_sales_csv_holds_every_row_not_one_page(
    api: httpx.AsyncClient, services: FakeClients, staff: dict[str, str]
) -> None:
    services.booking.replies["GetSalesReport"] = booking_pb2.SalesReport(
        items=[sales_row("2030-03-17"), sales_row("2030-03-18")], total=2
    )
    response = await api.get(
        "/api/reports/sales",
        params={"from": "2030-03-17", "to": "2030-03-18", "page_size": 1, "format": "csv"},
        headers=staff,
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["key"], r["label"], r["revenue"]) for r in rows] == [
        ("2030-03-17", "Sun 17 Mar 2030", "37.50"),
        ("2030-03-18", "Mon 18 Mar 2030", "37.50"),
    ]
    assert services.booking.last("GetSalesReport").request.page_size == 100
    assert "attachment" in response.headers["content-disposition"]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2030-03-17"},
        {"from": "17.03.2030", "to": "2030-03-18"},
        {"from": "2030-03-17", "to": "2030-03-18", "group_by": "hall"},
        {"from": "2030-03-17", "to": "2030-03-18", "format": "xml"},
    ],
)
async def test_bad_sales_report_parameters_are_refused(
    api: httpx.AsyncClient, services: FakeClients, staff: dict[str, str], params: dict[str, str]
) -> None:
    assert_error(await api.get("/api/reports/sales", params=params, headers=staff), 422)
    assert services.booking.calls == []


def audit_entry(entry_id: int, entity: str, seconds: int) -> audit_pb2.AuditEntry:
    entry = audit_pb2.AuditEntry(
        id=entry_id,
        user_id=1,
        entity=entity,
        entity_id=3,
        action="updated",
        changes_json=json.dumps({"name": "x"}),
    )
    entry.time.seconds = seconds
    return entry


async def test_the_audit_of_one_entity_asks_only_its_service(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.movies.replies["ListAudit"] = audit_pb2.ListAuditResponse(
        items=[audit_entry(5, "genre", 100)], total=1
    )
    response = await api.get("/api/audit", params={"entity": "genre", "id": 3}, headers=admin)
    assert response.json()["items"] == [
        {
            "id": "movie:5",
            "user_id": 1,
            "time": "1970-01-01T00:01:40Z",
            "entity": "genre",
            "entity_id": 3,
            "action": "updated",
            "changes": {"name": "x"},
        }
    ]
    sent = services.movies.last("ListAudit").request
    assert (sent.entity, sent.entity_id) == ("genre", 3)
    assert services.cinema.calls == []


async def test_the_whole_audit_merges_both_services_newest_first(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    services.cinema.replies["ListAudit"] = audit_pb2.ListAuditResponse(
        items=[audit_entry(2, "hall", 300), audit_entry(1, "seat", 100)], total=2
    )
    services.movies.replies["ListAudit"] = audit_pb2.ListAuditResponse(
        items=[audit_entry(1, "movie", 200)], total=1
    )
    response = await api.get("/api/audit", params={"page_size": 2}, headers=admin)
    body = response.json()
    assert [item["id"] for item in body["items"]] == ["cinema:2", "movie:1"]
    assert body["total"] == 3


async def test_an_audit_id_without_an_entity_is_refused(
    api: httpx.AsyncClient, services: FakeClients, admin: dict[str, str]
) -> None:
    assert_error(await api.get("/api/audit", params={"id": 3}, headers=admin), 422)
    assert_error(await api.get("/api/audit", params={"entity": "user"}, headers=admin), 422)
