"""The checks of a recorded history against what the databases and Kafka hold afterwards.

Pure functions of a `History` and an `Evidence`, so recorded (or made-up) histories can be
checked without a running system.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bench.chaos.evidence import BookingRecord, Evidence, StoredBooking
from bench.chaos.history import OUTSIDE, Exchange, History
from svckit.vocabulary import Topic

LIVE_STATUSES = ("pending", "confirmed")
PAID_STATUSES = ("paid", "refunded")
ENDED_STATUSES = ("cancelled", "expired")
OVERDUE_GRACE_SECONDS = 5.0
"""How late past its deadline a pending hold may still be seen (the expirer's own slack)."""
ALLOWED_IN_WINDOW = 503
DROPPED_CONNECTION = ("ConnectError", "RemoteProtocolError", "ReadError", "WriteError")
"""Failures that mean the peer went away (a killed gateway), allowed in a fault window."""


@dataclass(frozen=True)
class Verdict:
    check: str
    ok: bool
    figures: str
    problems: tuple[str, ...] = ()


def check_history(history: History, evidence: Evidence) -> list[Verdict]:
    """Every check, in the order the report lists them."""
    history = history.labelled()
    checks: tuple[Callable[[History, Evidence], Verdict], ...] = (
        acknowledged_holds_stored,
        acknowledged_outcomes_stored,
        no_seat_in_two_live_bookings,
        one_event_per_change,
        version_order_per_session,
        no_hold_past_deadline,
        server_errors_only_503_in_fault_windows,
        live_watchers_match_rest,
        every_fault_recovered,
    )
    return [check(history, evidence) for check in checks]


def _verdict(check: str, figures: str, problems: Iterable[str]) -> Verdict:
    found = tuple(problems)
    return Verdict(check, not found, figures, found)


def _answered(history: History, kind: str, status: int) -> list[Exchange]:
    return [e for e in history.exchanges if e.kind == kind and e.status == status and e.booking_id]


def acknowledged_holds_stored(history: History, evidence: Evidence) -> Verdict:
    """Every hold answered 201 exists in the booking database with its session and seats."""
    stored = {booking.id: booking for booking in evidence.bookings}
    holds = _answered(history, "hold", 201)
    problems = []
    for hold in holds:
        booking = stored.get(hold.booking_id)
        if booking is None:
            problems.append(f"hold {hold.booking_id} answered 201 at {hold.ended:.1f}s is missing")
        elif (booking.session_id, booking.seat_ids) != (hold.session_id, hold.seat_ids):
            problems.append(
                f"hold {hold.booking_id}: answered session {hold.session_id} seats "
                f"{list(hold.seat_ids)}, stored session {booking.session_id} seats "
                f"{list(booking.seat_ids)}"
            )
    figures = f"{len(holds)} holds answered 201, {len(problems)} missing or different"
    return _verdict("every 201 hold stored with its seats", figures, problems)


def acknowledged_outcomes_stored(history: History, evidence: Evidence) -> Verdict:
    """A payment answered 200 stays paid (or refunded); a cancel answered 200 stays cancelled."""
    stored = {booking.id: booking for booking in evidence.bookings}
    payments = _answered(history, "confirm", 200)
    cancels = _answered(history, "cancel", 200)
    problems = []
    for payment in payments:
        booking = stored.get(payment.booking_id)
        if booking is None or booking.payment_status not in PAID_STATUSES:
            state = "missing" if booking is None else f"{booking.status}/{booking.payment_status}"
            problems.append(f"payment of {payment.booking_id} answered 200, stored {state}")
    for cancel in cancels:
        booking = stored.get(cancel.booking_id)
        if booking is None or booking.status != "cancelled":
            state = "missing" if booking is None else booking.status
            problems.append(f"cancel of {cancel.booking_id} answered 200, stored {state}")
    figures = (
        f"{len(payments)} payments and {len(cancels)} cancels answered 200, "
        f"{len(problems)} not stored"
    )
    return _verdict("every 200 payment/cancel stored", figures, problems)


def no_seat_in_two_live_bookings(history: History, evidence: Evidence) -> Verdict:
    live = [b for b in evidence.bookings if b.status in LIVE_STATUSES]
    owners: dict[tuple[int, int], list[str]] = defaultdict(list)
    for booking in live:
        for seat in booking.seat_ids:
            owners[(booking.session_id, seat)].append(booking.id)
    problems = [
        f"session {session} seat {seat} in {len(ids)} live bookings: {', '.join(sorted(ids))}"
        for (session, seat), ids in sorted(owners.items())
        if len(ids) > 1
    ]
    figures = (
        f"{len(live)} live bookings on {len(owners)} seats, {len(problems)} seats doubly booked"
    )
    return _verdict("no seat in two live bookings", figures, problems)


def expected_changes(booking: StoredBooking) -> list[Topic]:
    """The events a booking's stored state implies it went through."""
    changes = [Topic.BOOKING_CREATED]
    if booking.payment_status in PAID_STATUSES:
        changes.append(Topic.BOOKING_CONFIRMED)
    if booking.status in ENDED_STATUSES:
        changes.append(Topic.BOOKING_CANCELLED)
    return changes


def one_event_per_change(history: History, evidence: Evidence) -> Verdict:
    """Each committed change has one queued event, and each event id reached Kafka.

    The same id delivered more than once is allowed (consumers dedupe) and counted; an id
    missing from the topics, or on them without a committed change, is a violation.
    """
    queued = Counter((r.booking_id, r.topic) for r in evidence.outbox)
    problems = []
    changes = 0
    for booking in evidence.bookings:
        for topic in expected_changes(booking):
            changes += 1
            if queued[(booking.id, topic)] != 1:
                problems.append(
                    f"booking {booking.id} ({booking.status}): {queued[(booking.id, topic)]} "
                    f"{topic} events queued, expected 1"
                )
    stored = {b.id: b for b in evidence.bookings}
    problems += [
        f"{topic} event queued for booking {booking_id}, which its state does not explain"
        for (booking_id, topic) in queued
        if booking_id not in stored or topic not in expected_changes(stored[booking_id])
    ]
    delivered = Counter(r.event_id for r in evidence.kafka)
    queued_ids = {r.event_id for r in evidence.outbox}
    missing = [r for r in evidence.outbox if delivered[r.event_id] == 0]
    problems += [
        f"{r.topic} event {r.event_id} of booking {r.booking_id} never reached Kafka"
        for r in missing
    ]
    unknown = sorted(set(delivered) - queued_ids)
    problems += [f"event {event_id} on Kafka without a committed change" for event_id in unknown]
    duplicates = sum(count - 1 for count in delivered.values())
    figures = (
        f"{changes} changes, {len(evidence.outbox)} queued, {len(evidence.kafka)} records on "
        f"Kafka ({duplicates} duplicate deliveries), {len(missing)} missing, "
        f"{len(unknown)} unknown"
    )
    return _verdict("one event id on Kafka per committed change", figures, problems)


def version_order_per_session(history: History, evidence: Evidence) -> Verdict:
    """Per session and topic, first deliveries carry growing seat-map versions on one partition;
    a session's events carry each version from 1 to its seat map's final version once."""
    by_topic: dict[tuple[int, Topic], list[BookingRecord]] = defaultdict(list)
    for record in evidence.kafka:
        by_topic[(record.session_id, record.topic)].append(record)
    problems = []
    versions: dict[int, dict[str, int]] = defaultdict(dict)
    for (session, topic), records in sorted(by_topic.items()):
        partitions = {r.partition for r in records}
        if len(partitions) > 1:
            problems.append(
                f"session {session} {topic} spread over partitions {sorted(partitions)}"
            )
        last: BookingRecord | None = None
        for record in sorted(records, key=lambda r: (r.partition, r.offset)):
            if record.event_id in versions[session]:
                continue
            versions[session][record.event_id] = record.version
            if last is not None and record.version <= last.version:
                problems.append(
                    f"session {session} {topic}: version {record.version} ({record.event_id}) "
                    f"after version {last.version}"
                )
            last = record
    for session, by_event in sorted(versions.items()):
        counted = Counter(by_event.values())
        problems += [
            f"session {session}: {count} events carry version {version}"
            for version, count in sorted(counted.items())
            if count > 1
        ]
        rest = evidence.rest_maps.get(session)
        final = rest.version if rest is not None else max(counted)
        gaps = sorted(set(range(1, final + 1)) - set(counted))
        if gaps:
            problems.append(f"session {session}: no event carries versions {gaps[:10]}")
    figures = f"{len(versions)} sessions, {len(problems)} out of order, repeated or missing"
    return _verdict("per-session seat_map_version order", figures, problems)


def no_hold_past_deadline(history: History, evidence: Evidence) -> Verdict:
    pending = [b for b in evidence.bookings if b.status == "pending"]
    overdue = [b for b in pending if b.expires_at < evidence.db_now - OVERDUE_GRACE_SECONDS]
    problems = [
        f"booking {b.id} still pending {evidence.db_now - b.expires_at:.1f}s past its deadline"
        for b in overdue
    ]
    expired = sum(1 for b in evidence.bookings if b.status == "expired")
    figures = f"{expired} expired, {len(pending)} still pending, {len(overdue)} past deadline"
    return _verdict("no hold pending past its deadline", figures, problems)


def server_errors_only_503_in_fault_windows(history: History, evidence: Evidence) -> Verdict:
    """In a fault window: 503 or a dropped connection; outside: no 5xx, always an answer."""
    problems = []
    in_windows = answered_503 = dropped = 0
    for e in history.exchanges:
        was_dropped = e.status is None and e.excerpt.startswith(DROPPED_CONNECTION)
        if e.window != OUTSIDE:
            in_windows += 1
            answered_503 += e.status == ALLOWED_IN_WINDOW
            dropped += was_dropped
            if e.status == ALLOWED_IN_WINDOW or was_dropped:
                continue
        if e.status is None or e.status >= 500:
            where = f"in window {e.window}" if e.window != OUTSIDE else "outside fault windows"
            problems.append(
                f"{e.method} {e.path} at {e.started:.1f}s {where}: "
                f"{e.status or 'no answer'} {e.excerpt[:120]}"
            )
    figures = (
        f"{len(history.exchanges)} requests, {in_windows} in fault windows "
        f"({answered_503} answered 503, {dropped} dropped connections), "
        f"{len(problems)} other errors"
    )
    return _verdict("no 5xx but 503, and only in fault windows", figures, problems)


def live_watchers_match_rest(history: History, evidence: Evidence) -> Verdict:
    problems = []
    for session, watcher in sorted(history.watchers.items()):
        rest = evidence.rest_maps.get(session)
        if watcher.view is None or rest is None:
            problems.append(f"session {session}: no final map (watcher or REST)")
            continue
        differ = sorted(
            seat
            for seat in rest.seats.keys() | watcher.view.seats.keys()
            if rest.seats.get(seat) != watcher.view.seats.get(seat)
        )
        if differ or rest.version != watcher.view.version:
            problems.append(
                f"session {session}: watcher at version {watcher.view.version}, REST at "
                f"{rest.version}; {len(differ)} seats differ {differ[:8]}"
            )
    connects = sum(w.connects for w in history.watchers.values())
    changes = sum(w.changes for w in history.watchers.values())
    figures = (
        f"{len(history.watchers)} watchers, {connects} connections, {changes} changes applied, "
        f"{len(problems)} final maps differ"
    )
    return _verdict("live watcher's final map equals REST", figures, problems)


def every_fault_recovered(history: History, evidence: Evidence) -> Verdict:
    """Each fault ended healthy, and no process exited unless a fault killed it."""
    problems = [f"{w.name} never recovered" for w in history.windows if w.recovered_after is None]
    problems += [
        f"{e.name} exited on its own with code {e.code} at {e.at:.1f}s"
        for e in history.exits
        if not e.killed
    ]
    slowest = max((w.recovered_after or 0.0 for w in history.windows), default=0.0)
    killed = sum(e.killed for e in history.exits)
    figures = (
        f"{len(history.windows)} faults, slowest recovery {slowest:.1f}s, {killed} kills, "
        f"{len(history.exits) - killed} exits on their own"
    )
    return _verdict("every fault recovered, no crash", figures, problems)
