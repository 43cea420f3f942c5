"""The SQL the booking engine runs, in SQLAlchemy Core, built from the domain's policy values.

Lock order, which keeps every transaction free of deadlocks: booking rows first, then held
seat counts (ascending session and user id), then seat rows (inserted in ascending seat id),
then seat-map version rows (ascending session id), then ticket rows, then action keys, then the
outbox. Nobody
waits for a booking while holding a version row, and a change under a key a concurrent request
has just written waits for a writer that needs no more locks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, LiteralString

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Executable,
    Select,
    Text,
    Uuid,
    bindparam,
    case,
    cast,
    delete,
    extract,
    func,
    literal,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import ReturningDelete, ReturningInsert, ReturningUpdate
from sqlalchemy.sql.selectable import CTE

from booking_svc.domain import (
    ADMIN_CANCELLATION,
    EXPIRY,
    HOLDING,
    LIVE,
    OWNER_CANCELLATION,
    PAYMENT_AFTER,
    Action,
    Booking,
    KeyedRequest,
    Payment,
    Status,
    sources,
    target,
)
from booking_svc.models import (
    action_keys,
    booking_seats,
    bookings,
    held_seat_counts,
    seat_map_versions,
    tickets,
)
from booking_svc.ticket_rules import TicketStatus
from svckit.db import BinaryQuery

Chosen = Select[tuple[uuid.UUID]]
"""Bookings picked for a change: a SELECT of their ids, which should lock them."""
ReasonValue = str | ColumnElement[str]
"""The reason an ending records: a value, or an expression of the booking's row."""

B = bookings.c
S = booking_seats.c
V = seat_map_versions.c
H = held_seat_counts.c
K = action_keys.c
T = tickets.c

BOOKING_COLUMNS = (
    B.id,
    B.user_id,
    B.session_id,
    B.status,
    B.payment_status,
    B.reason,
    B.total_price_cents,
    B.created_at,
    B.updated_at,
    B.expires_at,
    B.source,
    B.extensions,
)
SEAT_COLUMNS = (S.seat_id, S.row, S.number, S.type, S.price_cents)
ANSWERED_COLUMNS = ("status", "payment_status", "reason", "updated_at")
"""The booking columns a change sets, which an action key keeps as the change answered them."""

_versions = pg_insert(seat_map_versions)
HOLD: LiteralString = """
    WITH taken AS (
        SELECT seat.seat_id
        FROM booking_seats AS seat JOIN bookings AS holder ON holder.id = seat.booking_id
        WHERE seat.session_id = %(session_id)s AND seat.active
          AND seat.seat_id = ANY(CAST(%(seat_ids)b AS bigint[]))
          AND NOT coalesce(holder.user_id = %(user_id)s AND holder.idempotency_key = %(key)s,
                           false)
    ),
    booking AS (
        INSERT INTO bookings (id, user_id, session_id, total_price_cents, expires_at,
                              session_starts_at, session_ends_at, idempotency_key, request_hash,
                              source)
        SELECT %(id)s, %(user_id)s, %(session_id)s, %(total)s, now() + %(hold)s,
               %(starts_at)s, %(ends_at)s, %(key)s, %(hash)s, %(source)s
        WHERE NOT EXISTS (SELECT FROM taken)
        ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id, user_id, session_id, status, payment_status, reason, total_price_cents,
                  created_at, updated_at, expires_at, source, extensions
    ),
    counted AS (
        INSERT INTO held_seat_counts AS held (session_id, user_id, seats)
        SELECT booking.session_id, booking.user_id, CAST(%(seat_count)s AS integer) FROM booking
        WHERE CAST(%(seat_count)s AS integer) <= CAST(%(max_held)s AS integer)
        ON CONFLICT (session_id, user_id) DO UPDATE SET seats = held.seats + excluded.seats
        WHERE held.seats + excluded.seats <= CAST(%(max_held)s AS integer)
        RETURNING seats
    ),
    claimed AS (
        INSERT INTO booking_seats (booking_id, session_id, seat_id, row, number, type,
                                   price_cents)
        SELECT booking.id, booking.session_id, seat.*
        FROM booking, counted,
             unnest(CAST(%(seat_ids)b AS bigint[]), CAST(%(rows)b AS integer[]),
                    CAST(%(numbers)b AS integer[]), CAST(%(types)b AS text[]),
                    CAST(%(prices)b AS bigint[]))
             AS seat (seat_id, row, number, type, price_cents)
        ORDER BY seat.seat_id
        ON CONFLICT (session_id, seat_id) WHERE active DO NOTHING
        RETURNING seat_id
    ),
    bumped AS (
        INSERT INTO seat_map_versions (session_id, version)
        SELECT %(session_id)s, 1 WHERE (SELECT count(*) FROM claimed) = %(seat_count)s
        ON CONFLICT (session_id) DO UPDATE SET version = seat_map_versions.version + 1
        RETURNING version, session_cancelled
    )
    SELECT booking.*, counted.seats IS NOT NULL, ARRAY(SELECT seat_id FROM claimed),
           bumped.version, bumped.session_cancelled, ARRAY(SELECT seat_id FROM taken),
           CASE WHEN booking.id IS NOT NULL
                THEN pg_notify(%(channel)s, extract(epoch FROM booking.expires_at)::text) END
    FROM (VALUES (true)) AS asked (hold)
         LEFT JOIN booking ON true LEFT JOIN counted ON true LEFT JOIN bumped ON true
    """
"""A hold in one round trip. Seats it finds taken already (by a committed booking other than
one the same user made under the same idempotency key) refuse it before it writes anything:
the usual refusal of a presale then ends its transaction with a commit of nothing, not a
rollback, after which psycopg would drop every prepared statement of the connection (it
does on any rollback) and parse and plan each anew on its next use.

Otherwise the new booking first counts its seats on the user's held seat count of the
session, which it may raise only up to max_held; that row's lock makes one user's concurrent
holds of a session wait for each other, and the waiting one checks the limit against the
count the first one committed (READ COMMITTED re-reads a row it waited for). Only within the
limit are seats claimed, in seat id order, and only then is the version row locked (the lock
order above); a seat someone holds is skipped, not waited out, unless its holder has not
committed yet. The NOTIFY (on jobs.HOLDS_CHANNEL, for the expirers) is sent only if the hold
commits. A hold refused after it wrote (over the limit, a seat lost to a concurrent hold, a
cancelled session) is rolled back, its count included.

psycopg runs it directly (the hot path has no SQLAlchemy), as a prepared statement, with the
seat arrays in binary: see repository.BookingRepository.hold."""


BUMP_VERSIONS = _versions.on_conflict_do_update(
    index_elements=[V.session_id], set_={"version": V.version + _versions.excluded.version}
).returning(V.session_id, V.version, V.session_cancelled)


def _status_is(status: Status) -> ColumnElement[bool]:
    """A status test written out as a literal, so a partial index on it stays usable even when
    the statement runs as a server-side prepared statement with a generic plan."""
    return B.status == literal(status.value, Text, literal_execute=True)


def _source_of(action: Action) -> ColumnElement[bool]:
    """The status test of an action that only one status allows, as a literal."""
    (only,) = sources(action)
    return _status_is(only)


def _status_in(statuses: Iterable[Status]) -> ColumnElement[bool]:
    values = [status.value for status in statuses]
    return B.status.in_(bindparam("statuses", values, expanding=True, literal_execute=True))


def _payment_after(action: Action) -> ColumnElement[str]:
    """The payment status an action leaves, as SQL, from the domain's table."""
    mapping = {str(old): str(new) for old, new in PAYMENT_AFTER[action].items()}
    return case(mapping, value=B.payment_status, else_=B.payment_status)


def _was_hold(ended: CTE, action: Action) -> ColumnElement[bool]:
    """Whether a booking `action` just ended was a hold, told by the payment status it left
    (an UPDATE returns only the new row): the one a hold's pending payment turns into."""
    after = PAYMENT_AFTER[action].get(Payment.PENDING)
    if after is None:
        return literal(False)
    return ended.c.payment_status == literal(after.value, Text, literal_execute=True)


def _listed_in(ids: ColumnElement[uuid.UUID]) -> ColumnElement[Any]:
    """`= ANY(ARRAY(ids))`: the rows are fetched by index, where joining with `ids` would
    let the planner hash the whole table once it has some thousands of rows."""
    return func.any(cast(select(func.array_agg(ids)).scalar_subquery(), ARRAY(Uuid)))


def _any_of(ids: Sequence[uuid.UUID]) -> ColumnElement[Any]:
    """`= ANY(array)`: one bound array however many ids, not one placeholder per id."""
    return func.any(bindparam("ids", list(ids), type_=ARRAY(Uuid)))


def _released(changed: CTE, was_hold: ColumnElement[bool]) -> CTE:
    """Takes the seats of the `changed` bookings for which `was_hold` is true off their users'
    held seat counts, locking the count rows in (session, user) order (the lock order).

    The rows are upserted with the negated seat count as the value, so a row a hold never
    wrote appears below zero instead of blocking its user; a count never goes below zero,
    so any such drift is gone once the user holds nothing in the session."""
    holder = (changed.c.session_id, changed.c.user_id)
    given_back = (
        select(*holder, -func.count())
        .select_from(changed.join(booking_seats, S.booking_id == changed.c.id))
        .where(was_hold)
        .group_by(*holder)
        .order_by(*holder)
    )
    counts = pg_insert(held_seat_counts)
    return (
        counts.from_select([H.session_id, H.user_id, H.seats], given_back)
        .on_conflict_do_update(
            index_elements=[H.session_id, H.user_id],
            set_={"seats": func.greatest(H.seats + counts.excluded.seats, 0)},
        )
        .returning(H.session_id)
        .cte("released")
    )


def _after(step: CTE) -> ColumnElement[bool]:
    """A condition that is always true but makes a statement part run after `step` (a
    statement's WITH parts run in no set order unless one needs another's rows)."""
    return select(func.count()).select_from(step).scalar_subquery() >= 0


# -- which bookings a change takes -----------------------------------------------------------


def one_booking(booking_id: uuid.UUID) -> Chosen:
    """One booking, locked."""
    return select(B.id).where(B.id == booking_id).with_for_update()


def own_booking(booking_id: uuid.UUID, caller_id: int, *, cutoff: timedelta | None) -> Chosen:
    """The caller's booking, locked: a hold, or a booking whose session starts more than
    `cutoff` from now (database clock). With no cutoff (an admin): any booking, whenever.

    Locking re-reads the row if another transaction changed it meanwhile, so a booking paid
    or moved while this waited is judged as it is now."""
    chosen = select(B.id).where(B.id == booking_id).with_for_update()
    if cutoff is None:
        return chosen
    still_open = or_(_status_is(HOLDING), B.session_starts_at > func.now() + cutoff)
    return chosen.where(B.user_id == caller_id, still_open)


def cancelled_by(caller_id: int) -> ColumnElement[str]:
    """The reason of a caller's cancellation: by the booking's owner, or else by an admin."""
    return case(
        (B.user_id == caller_id, OWNER_CANCELLATION.reason.value),
        else_=ADMIN_CANCELLATION.reason.value,
    )


def _due_holds() -> Chosen:
    """Holds past their deadline in the sessions whose id modulo `of` is `share`, oldest
    first, at most `limit`, skipping ones another transaction holds."""
    share, of = bindparam("share", type_=BigInteger), bindparam("of", type_=BigInteger)
    return (
        select(B.id)
        .where(_status_is(HOLDING), B.expires_at <= func.now(), B.session_id % of == share)
        .order_by(B.expires_at)
        .limit(bindparam("limit", type_=BigInteger))
        .with_for_update(skip_locked=True)
    )


def over(action: Action, limit: int) -> Chosen:
    """Bookings `action` applies to whose session has ended."""
    return (
        select(B.id)
        .where(_source_of(action), _status_in(LIVE), B.session_ends_at <= func.now())
        .order_by(B.session_ends_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def live_of_session(session_id: int) -> Chosen:
    """Every live booking of a session, locked in id order (waiting for busy ones)."""
    return (
        select(B.id)
        .where(B.session_id == session_id, B.status.in_(LIVE))
        .order_by(B.id)
        .with_for_update()
    )


# -- changes -----------------------------------------------------------------------------------


def confirm(booking_id: uuid.UUID, user_id: int) -> Select[Any]:
    """Pays the user's pending hold if neither its deadline nor its session's start has passed
    by the database clock, and takes its seats off the user's held seat count."""
    confirmed = (
        update(bookings)
        .where(
            B.id == booking_id,
            B.user_id == user_id,
            B.status.in_(sources(Action.CONFIRM)),
            B.expires_at > func.now(),
            B.session_starts_at > func.now(),
        )
        .values(status=target(Action.CONFIRM), payment_status=_payment_after(Action.CONFIRM))
        .returning(*BOOKING_COLUMNS)
        .cte("confirmed")
    )
    return select(confirmed).where(_after(_released(confirmed, true())))


def extend(
    booking_id: uuid.UUID, user_id: int, *, by: timedelta, max_extensions: int
) -> ReturningUpdate[Any]:
    """Moves the user's pending hold's deadline `by` later (never past its session's start) if
    neither the deadline nor the start has passed and it has been extended fewer than
    `max_extensions` times. The row lock makes concurrent extensions wait, and the one that
    waited re-checks the count the first one committed: only the allowed number succeed."""
    return (
        update(bookings)
        .where(
            B.id == booking_id,
            B.user_id == user_id,
            _status_is(HOLDING),
            B.expires_at > func.now(),
            B.session_starts_at > func.now(),
            B.extensions < max_extensions,
        )
        .values(
            expires_at=func.least(B.expires_at + by, B.session_starts_at),
            extensions=B.extensions + 1,
        )
        .returning(*BOOKING_COLUMNS)
    )


def end(chosen: Chosen, action: Action, reason: ReasonValue) -> Select[Any]:
    """Ends the live bookings `chosen` selects (it should lock them) in one statement.

    Applies `action`, frees their seats, and adds to each session's seat-map version the
    number of its bookings that ended; every booking gets its own version, handed out in
    deadline order. Rows: the booking's columns, its version, then its seats' columns as
    arrays, in that order.
    """
    due = chosen.cte("chosen")
    ended = (
        update(bookings)
        .where(B.id == _listed_in(due.c.id), B.status.in_(sources(action)))
        .values(status=target(action), payment_status=_payment_after(action), reason=reason)
        .returning(*BOOKING_COLUMNS)
        .cte("ended")
    )
    released = _released(ended, _was_hold(ended, action))
    # the file's lock order: counts, then seats, then versions
    freed = (
        update(booking_seats)
        .where(S.booking_id == _listed_in(ended.c.id), S.active, _after(released))
        .values(active=False)
        .returning(S.booking_id, *SEAT_COLUMNS)
        .cte("freed")
    )
    per_session = (
        select(ended.c.session_id, func.count())
        .where(_after(freed))
        .group_by(ended.c.session_id)
        .order_by(ended.c.session_id)
    )
    bumped = (
        _versions.from_select([V.session_id, V.version], per_session)
        .on_conflict_do_update(
            index_elements=[V.session_id],
            set_={"version": V.version + _versions.excluded.version},
        )
        .returning(V.session_id, V.version)
        .cte("bumped")
    )
    seats = (
        select(freed.c.booking_id, *(func.array_agg(freed.c[c.name]) for c in SEAT_COLUMNS))
        .group_by(freed.c.booking_id)
        .subquery("seats")
    )
    session = ended.c.session_id
    in_order = (ended.c.expires_at, ended.c.id)
    version = (
        bumped.c.version
        - func.count().over(partition_by=session)
        + func.row_number().over(partition_by=session, order_by=in_order)
    )
    return (
        select(ended, version, *list(seats.c)[1:])
        .join(bumped, bumped.c.session_id == ended.c.session_id)
        .outerjoin(seats, seats.c.booking_id == ended.c.id)
        .order_by(*in_order)
    )


EXPIRE_DUE = BinaryQuery(
    end(_due_holds(), EXPIRY.action, EXPIRY.reason.value), parameters=("limit", "share", "of")
)
"""`end` of the holds past their deadline: parameters `limit`, `share` and `of` (see
_due_holds). Expiring a sale's holds runs it back to back, so it is compiled once and its
rows come back in binary."""


def finish(limit: int) -> ReturningUpdate[Any]:
    """Confirmed bookings of sessions that are over finish (their seats stay sold)."""
    due = over(Action.FINISH, limit).cte("due")
    return (
        update(bookings)
        .where(B.id == _listed_in(due.c.id))
        .values(status=target(Action.FINISH))
        .returning(B.id)
    )


def set_session_cancelled(session_id: int, cancelled: bool) -> Executable:
    """Records the session's cancellation (or its undoing) on its version row."""
    if cancelled:
        stmt = pg_insert(seat_map_versions).values(session_id=session_id, session_cancelled=True)
        return stmt.on_conflict_do_update(
            index_elements=[V.session_id], set_={"session_cancelled": True}
        )
    return (
        update(seat_map_versions)
        .where(V.session_id == session_id, V.session_cancelled)
        .values(session_cancelled=False)
    )


def move_session(session_id: int, starts_at: datetime, ends_at: datetime) -> Executable:
    """Copies new session times onto the session's live bookings that differ."""
    return (
        update(bookings)
        .where(
            B.session_id == session_id,
            B.status.in_(LIVE),
            (B.session_starts_at != starts_at) | (B.session_ends_at != ends_at),
        )
        .values(session_starts_at=starts_at, session_ends_at=ends_at)
    )


def purge_idempotency_keys(older_than: timedelta) -> ReturningUpdate[Any]:
    return (
        update(bookings)
        .where(B.idempotency_key.is_not(None), B.created_at < func.now() - older_than)
        .values(idempotency_key=None, request_hash=None)
        .returning(B.id)
    )


def remember_answer(request: KeyedRequest, booking: Booking) -> ReturningInsert[Any]:
    """Keeps the answer of a keyed change under its key; no row when the key is taken (by a
    request that committed: one still running is waited for)."""
    answer = pg_insert(action_keys).values(
        user_id=request.user_id,
        key=request.key,
        booking_id=request.booking_id,
        action=request.action.value,
        status=booking.status.value,
        payment_status=booking.payment_status.value,
        reason=booking.reason,
        updated_at=booking.updated_at,
    )
    return answer.on_conflict_do_nothing(index_elements=[K.user_id, K.key]).returning(K.key)


def purge_action_keys(older_than: timedelta) -> ReturningDelete[Any]:
    return delete(action_keys).where(K.created_at < func.now() - older_than).returning(K.key)


# -- reads -------------------------------------------------------------------------------------


def answered(user_id: int, key: str) -> Select[Any]:
    """The booking a keyed change answered, in the order of BOOKING_COLUMNS (the columns it set
    as the key keeps them), then the action."""
    columns = [K[c.name] if c.name in ANSWERED_COLUMNS else c for c in BOOKING_COLUMNS]
    return (
        select(*columns, K.action)
        .join_from(action_keys, bookings, B.id == K.booking_id)
        .where(K.user_id == user_id, K.key == key)
    )


def by_idempotency_key(user_id: int, key: str) -> Select[Any]:
    return select(B.id, B.request_hash).where(B.user_id == user_id, B.idempotency_key == key)


def state(booking_id: uuid.UUID) -> Select[Any]:
    """Owner, status, whether the hold deadline has passed, and the time left until the
    session starts (database clock)."""
    return select(
        B.user_id,
        B.status,
        B.expires_at <= func.now(),
        B.session_starts_at - func.now(),
        B.extensions,
    ).where(B.id == booking_id)


def booking(booking_id: uuid.UUID) -> Select[Any]:
    return select(*BOOKING_COLUMNS).where(B.id == booking_id)


def seats_of(booking_ids: Sequence[uuid.UUID]) -> Select[Any]:
    """The seats of bookings, leaving out seats given back from a booking that went on."""
    return select(S.booking_id, *SEAT_COLUMNS).where(
        S.booking_id == _any_of(booking_ids), S.released_at.is_(None)
    )


def page(user_id: int | None, *, offset: int, limit: int) -> tuple[Select[Any], Select[Any]]:
    """Bookings newest first, every user's when `user_id` is None, and how many there are."""
    query = select(*BOOKING_COLUMNS)
    count = select(func.count()).select_from(bookings)
    if user_id is not None:
        query = query.where(B.user_id == user_id)
        count = count.where(B.user_id == user_id)
    query = query.order_by(B.created_at.desc(), B.id.desc()).offset(offset).limit(limit)
    return query, count


def seat_map_state(session_id: int) -> Select[Any]:
    """Taken seats (held, then booked), the version, and the held seats' deadlines (in the
    order of the held seats), in one consistent snapshot."""
    version = select(V.version).where(V.session_id == session_id).scalar_subquery()
    holding = B.status == HOLDING
    return (
        select(
            version,
            func.array_agg(aggregate_order_by(S.seat_id, S.seat_id)).filter(holding),
            func.array_agg(S.seat_id).filter(~holding),
            func.array_agg(aggregate_order_by(B.expires_at, S.seat_id)).filter(holding),
        )
        .select_from(booking_seats.join(bookings, B.id == S.booking_id))
        .where(S.session_id == session_id, S.active)
    )


def taken_seats(session_ids: Sequence[int]) -> Select[Any]:
    """The held or booked seats of each of these sessions, one row a session that has any."""
    return (
        select(S.session_id, func.array_agg(S.seat_id))
        .where(S.session_id.in_(session_ids), S.active)
        .group_by(S.session_id)
    )


def _seconds_until(earliest: Select[tuple[datetime]]) -> Select[Any]:
    moment = earliest.scalar_subquery()
    return select(extract("epoch", moment - func.clock_timestamp()))


NEXT_HOLD_DEADLINE = _seconds_until(select(func.min(B.expires_at)).where(_status_is(HOLDING)))
NEXT_SESSION_END = _seconds_until(select(func.min(B.session_ends_at)).where(_status_in(LIVE)))


# -- tickets -----------------------------------------------------------------------------------

TICKET_COLUMNS = (T.id, T.booking_id, T.session_id, T.status, T.checked_in_at, T.checked_in_by)


def _ticket_status(status: TicketStatus) -> ColumnElement[str]:
    return literal(status.value, Text, literal_execute=True)


def _tickets_with_seats(chosen: CTE | Any) -> Select[Any]:
    """Tickets (a CTE or the table) with their owner and seat: TICKET_COLUMNS, user_id, then
    SEAT_COLUMNS, by row and number."""
    c = chosen.c
    return (
        select(*(c[column.name] for column in TICKET_COLUMNS), B.user_id, *SEAT_COLUMNS)
        .join_from(chosen, booking_seats, (S.booking_id == c.booking_id) & (S.seat_id == c.seat_id))
        .join(bookings, B.id == c.booking_id)
        .order_by(S.row, S.number, S.seat_id)
    )


def issue_tickets(booking_id: uuid.UUID) -> Select[Any]:
    """One valid ticket for each seat of the booking that has none (run as it is confirmed);
    the tickets it issued."""
    seats = (
        select(func.gen_random_uuid(), S.booking_id, S.seat_id, S.session_id)
        .where(S.booking_id == booking_id, S.active)
        .order_by(S.seat_id)
    )
    issued = (
        pg_insert(tickets)
        .from_select([T.id, T.booking_id, T.seat_id, T.session_id], seats)
        .on_conflict_do_nothing(index_elements=[T.booking_id, T.seat_id])
        .returning(*TICKET_COLUMNS, T.seat_id)
        .cte("issued")
    )
    return _tickets_with_seats(issued)


def void_tickets(
    booking_ids: Sequence[uuid.UUID], seat_ids: Sequence[int] | None = None
) -> ReturningUpdate[Any]:
    """Voids the tickets of bookings that ended (in the ending transaction), used ones too;
    with `seat_ids`, only those seats' tickets (seats a booking gave back)."""
    chosen = update(tickets).where(
        T.booking_id == _any_of(booking_ids), T.status != _ticket_status(TicketStatus.VOID)
    )
    if seat_ids is not None:
        chosen = chosen.where(T.seat_id == func.any(bindparam("seat_ids", list(seat_ids))))
    return chosen.values(status=TicketStatus.VOID.value).returning(T.id)


def check_in(ticket_id: uuid.UUID, staff_id: int) -> Select[Any]:
    """Marks a valid ticket of a session not yet over used, by `staff_id`, now: one conditional
    UPDATE, so of concurrent check-ins of one ticket exactly one gets a row."""
    checked = (
        update(tickets)
        .where(
            T.id == ticket_id,
            T.status == _ticket_status(TicketStatus.VALID),
            T.booking_id == B.id,
            B.session_ends_at > func.now(),
        )
        .values(status=TicketStatus.USED.value, checked_in_at=func.now(), checked_in_by=staff_id)
        .returning(*TICKET_COLUMNS, T.seat_id)
        .cte("checked")
    )
    return _tickets_with_seats(checked)


def ticket(ticket_id: uuid.UUID) -> Select[Any]:
    return _tickets_with_seats(tickets).where(T.id == ticket_id)


def tickets_of(booking_id: uuid.UUID) -> Select[Any]:
    return _tickets_with_seats(tickets).where(T.booking_id == booking_id)


# -- seat selection rules (orphan seats, partial cancellation) ----------------------------------

SEAT_LOCK_SPACE = 5_341
"""First key of the two-key advisory locks that serialise the seat-rule checks of a session."""
LOCK_SESSION_SEATS = text("SELECT pg_advisory_xact_lock(:space, CAST(:key AS integer))")
"""Taken FIRST in a transaction (before the file's lock order) by every change that checks
the orphan rule against the session's taken seats, so two such changes of one session never
both pass on what the other has not committed yet. Only those changes take it, and they take
it before any other lock, so it joins no cycle."""


def seat_lock_key(session_id: int) -> int:
    """The advisory lock's second key: the session id folded into an integer."""
    return session_id % 2_147_483_647


def release_seats(booking_id: uuid.UUID, seat_ids: Sequence[int]) -> ReturningUpdate[Any]:
    """Gives back some live seats of a booking that goes on."""
    return (
        update(booking_seats)
        .where(
            S.booking_id == booking_id,
            S.seat_id == func.any(bindparam("seat_ids", list(seat_ids), type_=ARRAY(BigInteger))),
            S.active,
        )
        .values(active=False, released_at=func.now())
        .returning(*SEAT_COLUMNS)
    )


def reprice(booking_id: uuid.UUID, released_cents: int) -> ReturningUpdate[Any]:
    """Takes the price of released seats off a booking's total."""
    return (
        update(bookings)
        .where(B.id == booking_id)
        .values(total_price_cents=B.total_price_cents - released_cents)
        .returning(*BOOKING_COLUMNS)
    )


def unhold(session_id: int, user_id: int, seats: int) -> Executable:
    """Takes seats of a hold off its user's held seat count (never below zero)."""
    return (
        update(held_seat_counts)
        .where(H.session_id == session_id, H.user_id == user_id)
        .values(seats=func.greatest(H.seats - seats, 0))
    )
