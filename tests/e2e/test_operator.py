"""The operator routes through the five processes: roles granted by admins and enforced on every
route, layout edits refused on booked seats, prices that never change a booking, the audit trail,
and reports that equal the booking database after 200 random operations (JSON and CSV)."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest

from tests.conftest import RunningStack
from tests.e2e.test_bookings import Headers, Show, hold, make_show
from tests.e2e.test_halls import assert_error
from tests.helpers import admin_token, bearer, login, poll, register

OPERATIONS = 200

SESSION_TRUTH = """
SELECT
  coalesce(sum(n) FILTER (WHERE status IN ('confirmed', 'finished')), 0),
  coalesce(sum(n) FILTER (WHERE status = 'pending'), 0),
  coalesce(sum(total_price_cents) FILTER (WHERE status IN ('confirmed', 'finished')), 0)
FROM bookings b
JOIN (SELECT booking_id, count(*) AS n FROM booking_seats GROUP BY booking_id) s
  ON s.booking_id = b.id
WHERE b.session_id = %s
"""
SALES_TRUTH = """
SELECT {key}, count(*), sum(n), sum(total_price_cents)
FROM bookings b
JOIN (SELECT booking_id, count(*) AS n FROM booking_seats GROUP BY booking_id) s
  ON s.booking_id = b.id
WHERE b.status IN ('confirmed', 'finished')
  AND (b.session_starts_at AT TIME ZONE %s)::date BETWEEN %s AND %s
GROUP BY 1
"""


@pytest.fixture
def admin(api: httpx.Client) -> Headers:
    return bearer(admin_token(api))


def account(api: httpx.Client, admin: Headers, role: str = "user") -> tuple[int, Headers]:
    """A new account with this role (granted by the admin), signed in after the grant."""
    person = register(api)
    if role != "user":
        granted = api.put(f"/api/users/{person['id']}", json={"role": role}, headers=admin)
        assert granted.status_code == 200, granted.text
        assert granted.json()["role"] == role
    return int(person["id"]), bearer(login(api, person["email"]))


def test_admins_grant_and_take_back_staff_and_admin_roles_and_nobody_else_can(
    api: httpx.Client, admin: Headers
) -> None:
    person = register(api)
    token = bearer(login(api, person["email"]))
    path = f"/api/users/{person['id']}"
    assert_error(api.put(path, json={"role": "admin"}, headers=token), 403, "forbidden")
    for role in ("staff", "admin", "user"):
        granted = api.put(path, json={"role": role}, headers=admin)
        assert granted.status_code == 200, granted.text
        assert granted.json()["role"] == role
        # the role change ends the old sign-in within a second
        assert poll(lambda old=token: api.get("/api/me", headers=old).status_code == 401)
        token = bearer(login(api, person["email"]))
        assert api.get("/api/me", headers=token).json()["role"] == role
    assert_error(api.put(path, json={"role": "owner"}, headers=admin), 422)


def test_every_operator_route_answers_anonymous_401_user_403_staff_as_specified_admin_ok(
    api: httpx.Client, admin: Headers
) -> None:
    show = make_show(api, admin)
    session = api.get(f"/api/sessions/{show.session_id}").json()
    hall_id = session["hall_id"]
    change = {k: session[k] for k in ("movie_id", "hall_id", "start_time", "end_time")}
    new_session = change | {
        "start_time": (show.starts_at + timedelta(days=30)).isoformat(),
        "end_time": (show.starts_at + timedelta(days=30, hours=2)).isoformat(),
        "prices": {"vip": 16.0},
    }
    routes: list[tuple[str, str, dict[str, Any] | None, bool]] = [
        ("GET", f"/api/reports/sessions/{show.session_id}", None, True),
        ("GET", f"/api/reports/sessions/{show.session_id}?format=csv", None, True),
        ("GET", "/api/reports/sales?from=2026-01-01&to=2026-12-31&group_by=movie", None, True),
        ("PATCH", f"/api/halls/{hall_id}/layout", {"name": "Renamed"}, False),
        ("PUT", f"/api/seats/{show.seat_ids[-1]}", {"row": 2, "number": 5, "type": "vip"}, False),
        ("PUT", f"/api/sessions/{show.session_id}", change | {"prices": {"vip": 18}}, False),
        ("POST", "/api/sessions", new_session, False),
        ("GET", f"/api/audit?entity=hall&id={hall_id}", None, False),
        ("GET", "/api/audit", None, False),
        ("DELETE", f"/api/seats/{show.seat_ids[-1]}", None, False),
    ]
    _, user = account(api, admin)
    _, staff = account(api, admin, "staff")
    for method, path, body, staff_allowed in routes:
        assert_error(api.request(method, path, json=body), 401, "unauthenticated")
        assert_error(api.request(method, path, json=body, headers=user), 403, "forbidden")
        as_staff = api.request(method, path, json=body, headers=staff)
        if staff_allowed:
            assert as_staff.status_code == 200, (path, as_staff.text)
        else:
            assert_error(as_staff, 403, "forbidden")
        as_admin = api.request(method, path, json=body, headers=admin)
        assert as_admin.status_code < 300, (method, path, as_admin.text)


def test_a_layout_change_of_a_booked_seat_is_refused_naming_the_session_until_it_is_free(
    api: httpx.Client, admin: Headers
) -> None:
    show = make_show(api, admin)
    hall_id = api.get(f"/api/sessions/{show.session_id}").json()["hall_id"]
    _, user = account(api, admin)
    booked = hold(api, user, show.session_id, [show.seat_ids[0]]).json()
    for method, path, body in (
        ("PATCH", f"/api/halls/{hall_id}/layout", {"remove": [show.seat_ids[0]]}),
        (
            "PATCH",
            f"/api/halls/{hall_id}/layout",
            {"retype": [{"seat_id": show.seat_ids[0], "type": "vip"}]},
        ),
        ("DELETE", f"/api/seats/{show.seat_ids[0]}", None),
    ):
        refused = api.request(method, path, json=body, headers=admin)
        assert_error(refused, 409, "seats_booked")
        assert f"session {show.session_id}" in refused.json()["error"]
        assert [s["session_id"] for s in refused.json()["sessions"]] == [show.session_id]
    layout = {
        "name": "Aisle Hall",
        "remove": [show.seat_ids[2]],
        "retype": [{"seat_id": show.seat_ids[1], "type": "wheelchair"}],
        "add": [{"row": 3, "number": 1, "type": "companion"}],
    }
    edited = api.patch(f"/api/halls/{hall_id}/layout", json=layout, headers=admin)
    assert edited.status_code == 200, edited.text
    seats = {(s["row"], s["number"]): s["type"] for s in edited.json()["seats"]}
    assert (1, 3) not in seats
    assert (seats[(1, 2)], seats[(3, 1)], edited.json()["name"]) == (
        "wheelchair",
        "companion",
        "Aisle Hall",
    )
    cancelled = api.post(f"/api/bookings/{booked['id']}/cancel", headers=user)
    assert cancelled.status_code == 200, cancelled.text
    freed = api.patch(
        f"/api/halls/{hall_id}/layout", json={"remove": [show.seat_ids[0]]}, headers=admin
    )
    assert freed.status_code == 200, freed.text

    trail = api.get(f"/api/audit?entity=hall&id={hall_id}", headers=admin).json()
    me = api.get("/api/me", headers=admin).json()["id"]
    assert [(e["action"], e["user_id"]) for e in trail["items"]] == [
        ("updated", me),
        ("created", me),
    ]
    assert trail["items"][0]["changes"] == {"name": "Aisle Hall"}
    seat_trail = api.get(f"/api/audit?entity=seat&id={show.seat_ids[0]}", headers=admin).json()
    assert [e["action"] for e in seat_trail["items"]] == ["deleted"]


def test_a_price_change_applies_to_new_holds_and_never_to_existing_bookings(
    api: httpx.Client, admin: Headers
) -> None:
    show = make_show(api, admin, vip_row=True)
    session = api.get(f"/api/sessions/{show.session_id}").json()
    assert session["prices"] == {
        "standard": 10.0,
        "vip": 15.0,
        "wheelchair": 8.0,
        "companion": 10.0,
    }
    vip_seats = show.seat_ids[-5:]
    _, user = account(api, admin)
    paid = hold(api, user, show.session_id, [vip_seats[0]]).json()
    assert api.post(f"/api/bookings/{paid['id']}/confirm", headers=user).status_code == 200
    pending = hold(api, user, show.session_id, [vip_seats[1]]).json()
    assert paid["total_price"] == pending["total_price"] == 15.0

    change = {k: session[k] for k in ("movie_id", "hall_id", "start_time", "end_time")}
    changed = api.put(
        f"/api/sessions/{show.session_id}", json=change | {"prices": {"vip": 22.5}}, headers=admin
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["prices"]["vip"] == 22.5

    def vip_price() -> float | None:
        seats = api.get(f"/api/sessions/{show.session_id}/seats").json()
        price = next(s["price"] for s in seats if s["seat_id"] == vip_seats[2])
        return float(price) if price == 22.5 else None

    assert poll(vip_price) == 22.5  # booking_svc heard of the change
    assert hold(api, user, show.session_id, [vip_seats[2]]).json()["total_price"] == 22.5
    for booking in (paid, pending):
        again = api.get(f"/api/bookings/{booking['id']}", headers=user).json()
        assert again["total_price"] == 15.0
        assert [s["price"] for s in again["seats"]] == [15.0]
    report = api.get(f"/api/reports/sessions/{show.session_id}", headers=admin).json()
    assert report["revenue"] == 15.0


def expire(running_stack: RunningStack, booking_id: str) -> None:
    """Moves a hold's deadline into the past and wakes the expirer (as a new hold would)."""
    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"], autocommit=True) as conn:
        conn.execute(
            "UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = %s",
            (booking_id,),
        )
        conn.execute("SELECT pg_notify('booking_holds', '0')")


def random_operations(
    api: httpx.Client, running_stack: RunningStack, shows: list[Show], users: list[Headers]
) -> dict[str, int]:
    """OPERATIONS holds, payments, cancellations and expiries at random; how many of each
    the service accepted."""
    rng = random.Random(2026)
    pending: list[tuple[Headers, str]] = []
    confirmed: list[tuple[Headers, str]] = []
    done = {"hold": 0, "confirm": 0, "cancel": 0, "expire": 0, "refused": 0}
    for _ in range(OPERATIONS):
        action = rng.choice(["hold", "hold", "hold", "confirm", "confirm", "cancel", "expire"])
        if action != "hold" and not pending:
            action = "hold"
        if action == "hold":
            who, show = rng.choice(users), rng.choice(shows)
            seats = rng.sample(show.seat_ids, rng.randint(1, 2))
            answer = hold(api, who, show.session_id, seats)
            if answer.status_code == 201:
                pending.append((who, answer.json()["id"]))
            else:
                assert answer.status_code == 409, answer.text
                done["refused"] += 1
                continue
        elif action == "cancel" and confirmed and rng.random() < 0.5:
            who, booking_id = confirmed.pop(rng.randrange(len(confirmed)))
            answer = api.post(f"/api/bookings/{booking_id}/cancel", headers=who)
            assert answer.status_code == 200, answer.text
        else:
            who, booking_id = pending.pop(rng.randrange(len(pending)))
            if action == "confirm":
                answer = api.post(f"/api/bookings/{booking_id}/confirm", headers=who)
                assert answer.status_code == 200, answer.text
                confirmed.append((who, booking_id))
            elif action == "cancel":
                answer = api.post(f"/api/bookings/{booking_id}/cancel", headers=who)
                assert answer.status_code == 200, answer.text
            else:
                expire(running_stack, booking_id)

                def expired(who: Headers = who, booking_id: str = booking_id) -> bool:
                    status = api.get(f"/api/bookings/{booking_id}", headers=who).json()["status"]
                    return bool(status == "expired")

                assert poll(expired), booking_id
        done[action] += 1
    return done


def parsed_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_reports_equal_the_booking_database_after_200_random_operations_in_json_and_csv(
    api: httpx.Client, admin: Headers, running_stack: RunningStack
) -> None:
    shows = [make_show(api, admin, rows=4, seats_per_row=8, vip_row=True) for _ in range(2)]
    shows.append(make_show(api, admin, rows=3, seats_per_row=8, starts_in=timedelta(days=2)))
    users = [account(api, admin)[1] for _ in range(8)]
    _, staff = account(api, admin, "staff")
    done = random_operations(api, running_stack, shows, users)
    assert all(done[kind] >= 10 for kind in ("hold", "confirm", "cancel", "expire")), done

    with psycopg.connect(running_stack.env["BOOKING_DATABASE_URL"]) as conn:
        for show in shows:
            sold, held, revenue = conn.execute(SESSION_TRUTH, (show.session_id,)).fetchone()  # type: ignore[misc]
            report = api.get(f"/api/reports/sessions/{show.session_id}", headers=staff).json()
            seats = len(show.seat_ids)
            assert report == {
                "session_id": show.session_id,
                "seats_total": seats,
                "sold": sold,
                "held": held,
                "free": seats - sold - held,
                "revenue": revenue / 100,
            }
            (row,) = parsed_csv(
                api.get(
                    f"/api/reports/sessions/{show.session_id}",
                    headers=staff | {"Accept": "text/csv"},
                )
            )
            assert (int(row["sold"]), int(row["held"]), row["revenue"]) == (
                sold,
                held,
                f"{revenue / 100:.2f}",
            )

        zone = running_stack.env.get("CINEMA_TIMEZONE", "UTC")
        first = min(s.starts_at for s in shows).date()
        last = max(s.starts_at for s in shows).date()
        for group_by, key in (
            ("day", "to_char((b.session_starts_at AT TIME ZONE %s)::date, 'YYYY-MM-DD')"),
            ("session", "b.session_id::text"),
        ):
            params = (zone, zone, first, last) if group_by == "day" else (zone, first, last)
            truth = {
                str(k): (int(n), int(seats), int(cents))
                for k, n, seats, cents in conn.execute(
                    SALES_TRUTH.format(key=key),
                    params,
                ).fetchall()
            }
            query = {"from": first.isoformat(), "to": last.isoformat(), "group_by": group_by}
            page = api.get("/api/reports/sales", params=query | {"page_size": 2}, headers=staff)
            assert page.json()["total"] == len(truth)
            rows: list[dict[str, Any]] = []
            for number in range(1, len(truth) // 2 + 2):
                rows += api.get(
                    "/api/reports/sales",
                    params=query | {"page_size": 2, "page": number},
                    headers=staff,
                ).json()["items"]
            assert {
                r["key"]: (r["bookings"], r["seats_sold"], round(r["revenue"] * 100)) for r in rows
            } == truth
            exported = parsed_csv(
                api.get("/api/reports/sales", params=query | {"format": "csv"}, headers=staff)
            )
            assert {
                r["key"]: (
                    int(r["bookings"]),
                    int(r["seats_sold"]),
                    round(float(r["revenue"]) * 100),
                )
                for r in exported
            } == truth
            assert [r["label"] for r in exported] == [r["label"] for r in rows]
            sold_cents = sum(cents for _, _, cents in truth.values())

        movies = api.get(
            "/api/reports/sales",
            params={
                "from": first.isoformat(),
                "to": last.isoformat(),
                "group_by": "movie",
                "page_size": 100,
            },
            headers=staff,
        ).json()
    assert movies["total"] == len(movies["items"])
    assert sum(round(r["revenue"] * 100) for r in movies["items"]) == sold_cents
    for row in movies["items"]:  # other tests' movies may sell on these days too
        assert row["label"] == api.get(f"/api/movies/{row['key']}").json()["title"]
