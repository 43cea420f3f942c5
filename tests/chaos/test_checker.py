"""The chaos checker on made-up histories: a clean one passes, each kind of fault is caught."""

from __future__ import annotations

from dataclasses import replace

from bench.chaos.checker import Verdict, check_history
from bench.chaos.evidence import BookingRecord, Evidence, StoredBooking
from bench.chaos.history import Exchange, FaultWindow, History, ProcessExit, SeatMapView, WatcherLog
from svckit.vocabulary import Topic

NOW = 1_000_000.0
SESSION = 7


def _hold(booking: str, seats: tuple[int, ...], at: float, status: int = 201) -> Exchange:
    return Exchange(
        "shopper-0",
        "hold",
        "POST",
        "/api/bookings",
        at,
        at + 0.1,
        status,
        "{}",
        booking,
        SESSION,
        seats,
    )


def _paid(booking: str, seats: tuple[int, ...], at: float) -> Exchange:
    path = f"/api/bookings/{booking}/confirm"
    return Exchange(
        "shopper-0", "confirm", "POST", path, at, at + 0.1, 200, "{}", booking, SESSION, seats
    )


def _event(
    topic: Topic, booking: str, version: int, offset: int, event_id: str = ""
) -> BookingRecord:
    return BookingRecord(
        topic, event_id or f"{booking}-{topic}", booking, SESSION, version, 0, offset
    )


def _clean() -> tuple[History, Evidence]:
    """Booking a paid for seats 1-2, booking b held seat 3 and expired; all delivered once."""
    history = History(
        exchanges=[_hold("a", (1, 2), 1.0), _paid("a", (1, 2), 2.0), _hold("b", (3,), 3.0)],
        windows=[FaultWindow("kill -9 booking_svc", 10.0, 14.0, 2.0)],
        watchers={
            SESSION: WatcherLog(SESSION, SeatMapView(4, {1: "booked", 2: "booked", 3: "free"}))
        },
        exits=[ProcessExit(10.5, "booking_svc", -9, killed=True)],
    )
    events = [
        _event(Topic.BOOKING_CREATED, "a", 1, 0),
        _event(Topic.BOOKING_CONFIRMED, "a", 2, 1),
        _event(Topic.BOOKING_CREATED, "b", 3, 2),
        _event(Topic.BOOKING_CANCELLED, "b", 4, 3),
    ]
    evidence = Evidence(
        bookings=[
            StoredBooking("a", SESSION, "confirmed", "paid", NOW + 600, (1, 2)),
            StoredBooking("b", SESSION, "expired", "void", NOW - 60, (3,)),
        ],
        outbox=events,
        unpublished=0,
        kafka=list(events),
        rest_maps={SESSION: SeatMapView(4, {1: "booked", 2: "booked", 3: "free"})},
        db_now=NOW,
    )
    return history, evidence


def _failed(verdicts: list[Verdict]) -> dict[str, tuple[str, ...]]:
    return {v.check: v.problems for v in verdicts if not v.ok}


def test_a_clean_history_passes_every_check() -> None:
    assert _failed(check_history(*_clean())) == {}


def test_a_duplicate_delivery_of_one_event_id_is_counted_not_a_violation() -> None:
    history, evidence = _clean()
    evidence = replace(evidence, kafka=[*evidence.kafka, replace(evidence.kafka[0], offset=9)])
    verdicts = check_history(history, evidence)
    assert _failed(verdicts) == {}
    assert "1 duplicate deliveries" in next(v.figures for v in verdicts if "event id" in v.check)


def test_a_seat_in_two_live_bookings_is_a_violation() -> None:
    history, evidence = _clean()
    double = StoredBooking("c", SESSION, "pending", "pending", NOW + 600, (2,))
    created = _event(Topic.BOOKING_CREATED, "c", 5, 4)
    evidence = replace(
        evidence,
        bookings=[*evidence.bookings, double],
        outbox=[*evidence.outbox, created],
        kafka=[*evidence.kafka, created],
    )
    failed = _failed(check_history(history, evidence))
    assert list(failed) == ["no seat in two live bookings"]
    assert "seat 2 in 2 live bookings" in failed["no seat in two live bookings"][0]


def test_a_hold_answered_201_but_not_stored_is_a_violation() -> None:
    history, evidence = _clean()
    history.exchanges.append(_hold("lost", (9,), 5.0))
    assert list(_failed(check_history(history, evidence))) == [
        "every 201 hold stored with its seats"
    ]


def test_a_committed_change_missing_from_kafka_is_a_violation() -> None:
    history, evidence = _clean()
    evidence = replace(evidence, kafka=evidence.kafka[:-1])
    failed = _failed(check_history(history, evidence))
    assert list(failed) == [
        "one event id on Kafka per committed change",
        "per-session seat_map_version order",
    ]
    assert "never reached Kafka" in failed["one event id on Kafka per committed change"][0]
    assert failed["per-session seat_map_version order"] == (
        f"session {SESSION}: no event carries versions [4]",
    )


def test_a_change_without_its_event_is_a_violation() -> None:
    history, evidence = _clean()
    evidence = replace(evidence, outbox=evidence.outbox[:1], kafka=evidence.kafka[:1])
    assert "one event id on Kafka per committed change" in _failed(check_history(history, evidence))


def test_versions_going_backwards_on_a_session_are_a_violation() -> None:
    history, evidence = _clean()
    swapped = [replace(r, offset=3 - r.offset) for r in evidence.kafka]
    failed = _failed(check_history(history, replace(evidence, kafka=swapped)))
    assert list(failed) == ["per-session seat_map_version order"]


def test_a_hold_pending_past_its_deadline_is_a_violation() -> None:
    history, evidence = _clean()
    stale = StoredBooking("d", SESSION, "pending", "pending", NOW - 30, (5,))
    created = _event(Topic.BOOKING_CREATED, "d", 5, 4)
    evidence = replace(
        evidence,
        bookings=[*evidence.bookings, stale],
        outbox=[*evidence.outbox, created],
        kafka=[*evidence.kafka, created],
    )
    assert list(_failed(check_history(history, evidence))) == ["no hold pending past its deadline"]


def test_a_503_in_a_fault_window_is_allowed_but_a_500_is_not() -> None:
    history, evidence = _clean()
    history.exchanges += [_hold("", (4,), 11.0, status=503), _hold("", (4,), 12.0, status=500)]
    failed = _failed(check_history(history, evidence))
    assert list(failed) == ["no 5xx but 503, and only in fault windows"]
    [problem] = failed["no 5xx but 503, and only in fault windows"]
    assert "500" in problem
    assert "kill -9 booking_svc" in problem


def test_a_503_outside_every_fault_window_is_a_violation() -> None:
    history, evidence = _clean()
    history.exchanges.append(_hold("", (4,), 30.0, status=503))
    assert list(_failed(check_history(history, evidence))) == [
        "no 5xx but 503, and only in fault windows"
    ]


def test_a_dropped_connection_is_allowed_only_in_a_fault_window() -> None:
    history, evidence = _clean()
    dropped = replace(_hold("", (4,), 11.0, status=0), status=None, excerpt="ConnectError: refused")
    history.exchanges.append(dropped)
    assert _failed(check_history(history, evidence)) == {}
    history.exchanges.append(replace(dropped, started=30.0, ended=30.1))
    assert list(_failed(check_history(history, evidence))) == [
        "no 5xx but 503, and only in fault windows"
    ]


def test_a_stale_watcher_map_is_a_violation() -> None:
    history, evidence = _clean()
    history.watchers[SESSION] = WatcherLog(
        SESSION, SeatMapView(3, {1: "booked", 2: "booked", 3: "held"})
    )
    failed = _failed(check_history(history, evidence))
    assert list(failed) == ["live watcher's final map equals REST"]
    assert "1 seats differ [3]" in failed["live watcher's final map equals REST"][0]


def test_a_process_that_exits_on_its_own_is_a_violation() -> None:
    history, evidence = _clean()
    history.exits.append(ProcessExit(20.0, "gateway", 1, killed=False))
    assert list(_failed(check_history(history, evidence))) == ["every fault recovered, no crash"]
