"""Booking rules without I/O: statuses, allowed transitions, how bookings end, what a hold must
satisfy. The repository builds its SQL from these values; it spells no status or reason itself."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from svckit.errors import Conflict, InvalidArgument, NotFound
from svckit.vocabulary import SeatStatus

if TYPE_CHECKING:
    from booking_svc.ticket_rules import Ticket

MAX_IDEMPOTENCY_KEY_LENGTH = 255


class Status(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    FINISHED = "finished"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Payment(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    REFUNDED = "refunded"
    VOID = "void"


class Source(StrEnum):
    """Who chose a booking's seats; spelled as the vocabulary's BOOKING_SOURCE labels."""

    DIRECT = "direct"
    WAITLIST = "waitlist"


class Action(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"
    EXPIRE = "expire"
    FINISH = "finish"


class Release(StrEnum):
    """What an Idempotency-Key of a partial cancellation is kept for: it changes no status, so
    it is no Action of the state machine."""

    SEATS = "release"


KeyedAction = Action | Release
"""What a keyed confirm, cancel or partial cancellation asked for."""


def keyed_action(value: str) -> KeyedAction:
    return Release(value) if value == Release.SEATS else Action(value)


class Reason(StrEnum):
    """Why a booking left the live states; stored in `bookings.reason` and spelled as the
    vocabulary's CANCEL_REASON labels, which is how events carry it."""

    BY_USER = "cancelled_by_user"
    BY_ADMIN = "cancelled_by_admin"
    EXPIRED = "expired"
    SESSION_CANCELLED = "session_cancelled"
    SEATS_RELEASED = "seats_released"
    """Only on the event of a partial cancellation: the booking itself stays live."""


TRANSITIONS: Mapping[tuple[Status, Action], Status] = {
    (Status.PENDING, Action.CONFIRM): Status.CONFIRMED,
    (Status.PENDING, Action.CANCEL): Status.CANCELLED,
    (Status.CONFIRMED, Action.CANCEL): Status.CANCELLED,
    (Status.PENDING, Action.EXPIRE): Status.EXPIRED,
    (Status.CONFIRMED, Action.FINISH): Status.FINISHED,
}
"""Every allowed (status, action) and where it leads; anything else is refused."""

PAYMENT_AFTER: Mapping[Action, Mapping[Payment, Payment]] = {
    Action.CONFIRM: {Payment.PENDING: Payment.PAID},
    Action.CANCEL: {Payment.PENDING: Payment.VOID, Payment.PAID: Payment.REFUNDED},
    Action.EXPIRE: {Payment.PENDING: Payment.VOID},
    Action.FINISH: {Payment.PAID: Payment.PAID},
}

LIVE = (Status.PENDING, Status.CONFIRMED)
"""Statuses in which a booking holds or owns its seats and can still change."""

HOLDING = Status.PENDING
"""The status whose seats show as held; the other bookings with seats show them as booked."""


@dataclass(frozen=True)
class Ending:
    """How live bookings end: the action they take and the reason they record."""

    action: Action
    reason: Reason


EXPIRY = Ending(Action.EXPIRE, Reason.EXPIRED)
"""A hold past its deadline, or still pending when its session is over."""
SESSION_CANCELLATION = Ending(Action.CANCEL, Reason.SESSION_CANCELLED)
OWNER_CANCELLATION = Ending(Action.CANCEL, Reason.BY_USER)
"""A caller cancelling their own booking (an admin's own booking too)."""
ADMIN_CANCELLATION = Ending(Action.CANCEL, Reason.BY_ADMIN)
"""An admin cancelling somebody else's booking."""


def next_status(status: Status, action: Action) -> Status | None:
    """Where `action` takes a booking in `status`, or None when it is not allowed."""
    return TRANSITIONS.get((status, action))


def sources(action: Action) -> tuple[Status, ...]:
    """The statuses from which `action` is allowed (what an UPDATE's WHERE clause admits)."""
    return tuple(status for (status, act) in TRANSITIONS if act == action)


def target(action: Action) -> Status:
    """The single status `action` leads to."""
    (only,) = {to for (_, act), to in TRANSITIONS.items() if act == action}
    return only


@dataclass(frozen=True)
class SeatInfo:
    """A seat of a session's hall with its price for that session."""

    seat_id: int
    row: int
    number: int
    type: str
    price_cents: int


@dataclass(frozen=True)
class SessionSeating:
    """What a hold needs to know about a session: its times, status and priced seats."""

    session_id: int
    hall_id: int
    hall_name: str
    starts_at: datetime
    ends_at: datetime
    status: str
    seats: Mapping[int, SeatInfo]

    def ordered_seats(self) -> list[SeatInfo]:
        return sorted(self.seats.values(), key=lambda s: (s.row, s.number, s.seat_id))


@dataclass(frozen=True)
class Booking:
    id: uuid.UUID
    user_id: int
    session_id: int
    status: Status
    payment_status: Payment
    reason: str
    total_price_cents: int
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    seats: tuple[SeatInfo, ...]
    source: Source = Source.DIRECT
    extensions: int = 0
    """How many times the hold's deadline was extended."""
    seat_map_version: int = field(default=0, compare=False)
    """The session's seat-map version after the change this booking is the answer to; 0 for
    a booking read back (a retry's replay, a listing). Not part of the booking's value."""


@dataclass(frozen=True)
class SeatMapState:
    """A session's taken seats and the seat-map version they are at."""

    version: int
    held: frozenset[int]
    booked: frozenset[int]
    held_until: Mapping[int, datetime] = field(default_factory=dict)
    """When each held seat frees unless its hold is paid."""

    def status_of(self, seat_id: int) -> SeatStatus:
        if seat_id in self.held:
            return "held"
        if seat_id in self.booked:
            return "booked"
        return "free"


@dataclass(frozen=True)
class BookingState:
    """What explains a refused change: the booking's owner and status, whether its hold
    deadline has passed, and how long until its session starts (negative once it has)."""

    user_id: int
    status: Status
    past_deadline: bool
    starts_in: timedelta
    extensions: int = 0


@dataclass(frozen=True)
class KeyedRequest:
    """A confirm or cancel sent with an Idempotency-Key: a retry must name the same booking and
    action, and then gets the booking as the first request answered it."""

    user_id: int
    key: str
    booking_id: uuid.UUID
    action: KeyedAction


@dataclass(frozen=True)
class Answered:
    """What an earlier confirm or cancel under a key did, and the booking it answered."""

    booking: Booking
    action: KeyedAction


@dataclass(frozen=True)
class Change:
    """One booking change to announce, with the session's seat-map version after it (and, for
    a confirmation, the tickets it issued)."""

    booking: Booking
    seat_map_version: int
    tickets: tuple[Ticket, ...] = ()


def validate_seat_selection(seat_ids: Sequence[int], max_seats: int) -> tuple[int, ...]:
    """The requested seat ids in ascending order (the order inserts take locks in)."""
    if not seat_ids:
        raise InvalidArgument("choose at least one seat", code="no_seats")
    duplicates = sorted(seat for seat, count in Counter(seat_ids).items() if count > 1)
    if duplicates:
        raise InvalidArgument(
            "a seat is listed more than once",
            code="duplicate_seats",
            details={"seat_ids": duplicates},
        )
    if len(seat_ids) > max_seats:
        raise InvalidArgument(
            f"at most {max_seats} seats per booking",
            code="too_many_seats",
            details={"max_seats": max_seats},
        )
    return tuple(sorted(seat_ids))


def validate_idempotency_key(key: str) -> str | None:
    """The key, or None when the client sent none."""
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise InvalidArgument(
            f"Idempotency-Key is longer than {MAX_IDEMPOTENCY_KEY_LENGTH} characters",
            code="idempotency_key_too_long",
        )
    return key or None


def keyed_request(
    user_id: int, raw_key: str, booking_id: uuid.UUID, action: KeyedAction
) -> KeyedRequest | None:
    """The request's key and what it asks for, or None when the client sent no key."""
    key = validate_idempotency_key(raw_key)
    return None if key is None else KeyedRequest(user_id, key, booking_id, action)


def replay(answered: Answered, request: KeyedRequest) -> Booking:
    """What an earlier request under the same key answered, if it asked for the same."""
    if (answered.booking.id, answered.action) != (request.booking_id, request.action):
        raise idempotency_key_reused()
    return answered.booking


def idempotency_key_reused() -> InvalidArgument:
    return InvalidArgument(
        "this Idempotency-Key was used for a different booking request",
        code="idempotency_key_reused",
    )


def request_hash(session_id: int, seat_ids: Iterable[int]) -> str:
    """What an idempotent retry must repeat exactly: the session and the set of seats."""
    body = f"{session_id}:{','.join(str(s) for s in sorted(seat_ids))}"
    return hashlib.sha256(body.encode()).hexdigest()


def require_bookable(
    seating: SessionSeating | None, session_id: int, now: datetime
) -> SessionSeating:
    """The session's seating, if seats of it can still be held at `now`."""
    if seating is None:
        raise session_not_found(session_id)
    if seating.status == "cancelled":
        raise Conflict("the session is cancelled", code="session_cancelled")
    if seating.status in ("ongoing", "finished") or seating.starts_at <= now:
        raise session_started()
    return seating


def seats_to_hold(seating: SessionSeating, seat_ids: Sequence[int]) -> list[SeatInfo]:
    """The priced seats of a hold, in the order given; every one must be in the hall."""
    unknown = [seat for seat in seat_ids if seat not in seating.seats]
    if unknown:
        raise InvalidArgument(
            "seats not in the session's hall",
            code="seat_not_in_hall",
            details={"seat_ids": sorted(unknown)},
        )
    return [seating.seats[seat] for seat in seat_ids]


def refuse_confirm(state: BookingState) -> Conflict:
    """Why a booking that exists could not be confirmed."""
    pending = state.status == Status.PENDING
    if state.status == Status.EXPIRED or (pending and state.past_deadline):
        return Conflict("the hold has expired", code="hold_expired")
    if pending and state.starts_in <= timedelta(0):
        return session_started()
    return Conflict(f"the booking is {state.status}, not pending", code="booking_not_pending")


def refuse_extend(state: BookingState, max_extensions: int) -> Conflict:
    """Why the owner's booking could not be extended."""
    pending = state.status == Status.PENDING
    if state.status == Status.EXPIRED or (pending and state.past_deadline):
        return Conflict("the hold has expired", code="hold_expired")
    if not pending:
        return Conflict(f"the booking is {state.status}, not pending", code="not_pending")
    if state.starts_in <= timedelta(0):
        return session_started()
    times = "once" if max_extensions == 1 else f"{max_extensions} times"
    return Conflict(
        f"a hold can be extended only {times}" if max_extensions else "holds cannot be extended",
        code="extension_limit",
        details={"max_extensions": max_extensions},
    )


def refuse_cancel(state: BookingState, cutoff: timedelta | None) -> Conflict:
    """Why a booking that exists could not be cancelled; `cutoff` is how long before the start
    a customer's cancellations close (None for an admin, who may cancel whenever)."""
    paid = state.status in LIVE and state.status != HOLDING
    if paid and cutoff is not None and state.starts_in <= cutoff:
        minutes = cutoff // timedelta(minutes=1)
        return session_started(
            f"a paid booking can no longer be cancelled {minutes} minutes before the start"
            if minutes
            else "a paid booking cannot be cancelled once its session has started",
            cancel_cutoff_minutes=minutes,
        )
    return Conflict(f"a {state.status} booking cannot be cancelled", code="booking_not_cancellable")


def session_started(
    message: str = "the session has already started", **details: object
) -> Conflict:
    return Conflict(message, code="session_started", details=details)


def hold_limit(max_seats_per_user: int) -> Conflict:
    return Conflict(
        f"at most {max_seats_per_user} seats held at once per session; pay for or release"
        " a hold first",
        code="hold_limit",
        details={"max_seats_per_user": max_seats_per_user},
    )


def session_not_found(session_id: int) -> NotFound:
    return NotFound(f"session {session_id} not found", code="session_not_found")


def payment_required() -> Conflict:
    """A provider takes the payments: only its confirmed payment confirms a hold."""
    return Conflict(
        "pay through POST /api/bookings/{id}/pay; the payment confirms the booking",
        code="payment_required",
    )


def booking_not_found(booking_id: str) -> NotFound:
    return NotFound(f"booking {booking_id} not found", code="booking_not_found")


def parse_booking_id(raw: str) -> uuid.UUID:
    """A booking id; anything that is not one names no booking."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise booking_not_found(raw[:64]) from None
