"""booking_svc SQL, in SQLAlchemy Core, run inside the caller's session (and transaction).

Lock order, which keeps every transaction free of deadlocks: booking rows first, then seat
rows (inserted in ascending seat id), then seat-map version rows (ascending session id),
then the outbox. Nobody waits for a booking while holding a version row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Text,
    Uuid,
    bindparam,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from booking_svc.domain import (
    LIVE,
    PAYMENT_AFTER,
    Action,
    Booking,
    Payment,
    Reason,
    SeatInfo,
    SessionSeating,
    Status,
    sources,
    target,
)
from booking_svc.events import Change
from booking_svc.models import booking_seats, bookings, seat_map_versions

HOLDS_CHANNEL = "booking_holds"
"""NOTIFY channel a hold signals at commit, so every replica's expirer can re-plan its sleep."""

AnyRow = Row[*tuple[Any, ...]]
Chosen = Select[tuple[uuid.UUID]]
"""Bookings picked for a change: a SELECT of their ids, which should lock them."""

B = bookings.c
S = booking_seats.c
V = seat_map_versions.c

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
)
SEAT_COLUMNS = (S.seat_id, S.row, S.number, S.type, S.price_cents)

_versions = pg_insert(seat_map_versions)
HOLD = text(
    """
    WITH booking AS (
        INSERT INTO bookings (id, user_id, session_id, total_price_cents, expires_at,
                              session_starts_at, session_ends_at, idempotency_key, request_hash)
        VALUES (:id, :user_id, :session_id, :total, now() + :hold,
                :starts_at, :ends_at, :key, :hash)
        ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id, user_id, session_id, status, payment_status, reason, total_price_cents,
                  created_at, updated_at, expires_at
    ),
    claimed AS (
        INSERT INTO booking_seats (booking_id, session_id, seat_id, row, number, type,
                                   price_cents)
        SELECT booking.id, booking.session_id, seat.*
        FROM booking, unnest(CAST(:seat_ids AS bigint[]), CAST(:rows AS integer[]),
                             CAST(:numbers AS integer[]), CAST(:types AS text[]),
                             CAST(:prices AS bigint[]))
                      AS seat (seat_id, row, number, type, price_cents)
        ORDER BY seat.seat_id
        ON CONFLICT (session_id, seat_id) WHERE active DO NOTHING
        RETURNING seat_id
    ),
    bumped AS (
        INSERT INTO seat_map_versions (session_id, version)
        SELECT :session_id, 1 WHERE (SELECT count(*) FROM claimed) = :seat_count
        ON CONFLICT (session_id) DO UPDATE SET version = seat_map_versions.version + 1
        RETURNING version, session_cancelled
    )
    SELECT booking.*, ARRAY(SELECT seat_id FROM claimed), bumped.version,
           bumped.session_cancelled,
           pg_notify(:channel, extract(epoch FROM booking.expires_at)::text)
    FROM booking LEFT JOIN bumped ON true
    """
)
"""A hold in one round trip. Seats are claimed in seat id order and only then is the
version row locked (the lock order above); a seat someone holds is skipped, not waited
out, unless its holder has not committed yet. The NOTIFY is sent only if the hold commits."""
BUMP_VERSIONS = _versions.on_conflict_do_update(
    index_elements=[V.session_id], set_={"version": V.version + _versions.excluded.version}
).returning(V.session_id, V.version, V.session_cancelled)


@dataclass(frozen=True)
class Version:
    """A session's seat-map version after a bump, and whether the session is cancelled."""

    version: int
    session_cancelled: bool


@dataclass(frozen=True)
class Share:
    """Sessions whose id modulo `of` is `index`: one of `of` disjoint parts of them."""

    index: int
    of: int

    @classmethod
    def split(cls, parts: int) -> list[Share]:
        return [cls(index, parts) for index in range(parts)]


@dataclass(frozen=True)
class Hold:
    """What the hold statement did: the booking, the seats it got, and the version bump
    (None unless it got every seat)."""

    booking: Booking
    claimed: frozenset[int]
    version: Version | None


@dataclass(frozen=True)
class SeatMapState:
    version: int
    held: frozenset[int]
    booked: frozenset[int]


def _booking(values: Sequence[Any], seats: Iterable[SeatInfo] = ()) -> Booking:
    """A Booking from the values of BOOKING_COLUMNS, in their order."""
    (id_, user_id, session_id, status, payment, reason, total, created, updated, expires) = values
    return Booking(
        id=id_,
        user_id=user_id,
        session_id=session_id,
        status=Status(status),
        payment_status=Payment(payment),
        reason=reason,
        total_price_cents=total,
        created_at=created,
        updated_at=updated,
        expires_at=expires,
        seats=tuple(seats),
    )


def _seat(row: AnyRow) -> SeatInfo:
    m = row._mapping
    return SeatInfo(
        seat_id=m["seat_id"],
        row=m["row"],
        number=m["number"],
        type=m["type"],
        price_cents=m["price_cents"],
    )


def _status_is(status: Status) -> ColumnElement[bool]:
    """A status test written out as a literal, so a partial index on it stays usable even when
    the statement runs as a server-side prepared statement with a generic plan."""
    return B.status == literal(status.value, Text, literal_execute=True)


def _status_in(statuses: Iterable[Status]) -> ColumnElement[bool]:
    values = [status.value for status in statuses]
    return B.status.in_(bindparam("statuses", values, expanding=True, literal_execute=True))


def _payment_after(action: Action) -> ColumnElement[str]:
    """The payment status an action leaves, as SQL, from the domain's table."""
    mapping = {str(old): str(new) for old, new in PAYMENT_AFTER[action].items()}
    return case(mapping, value=B.payment_status, else_=B.payment_status)


def cancel_reason(caller_id: int) -> ColumnElement[str]:
    """Why a booking was cancelled: by its owner, or else by an admin."""
    return case((B.user_id == caller_id, Reason.BY_USER.value), else_=Reason.BY_ADMIN.value)


def _listed_in(ids: ColumnElement[uuid.UUID]) -> ColumnElement[Any]:
    """`= ANY(ARRAY(ids))`: the rows are fetched by index, where joining with `ids` would
    let the planner hash the whole table once it has some thousands of rows."""
    return func.any(cast(select(func.array_agg(ids)).scalar_subquery(), ARRAY(Uuid)))


def _any_of(ids: Sequence[uuid.UUID]) -> ColumnElement[Any]:
    """`= ANY(array)`: one bound array however many ids, not one placeholder per id."""
    return func.any(bindparam("ids", list(ids), type_=ARRAY(Uuid)))


class BookingRepository:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    # -- holds -------------------------------------------------------------------------------

    async def find_by_idempotency_key(self, user_id: int, key: str) -> tuple[uuid.UUID, str] | None:
        """The booking id and request hash stored under the caller's key."""
        row = (
            await self.db.execute(
                select(B.id, B.request_hash).where(B.user_id == user_id, B.idempotency_key == key)
            )
        ).one_or_none()
        return None if row is None else (row.id, row.request_hash or "")

    async def hold(
        self,
        *,
        user_id: int,
        seating: SessionSeating,
        seats: Sequence[SeatInfo],
        hold: timedelta,
        idempotency_key: str | None,
        request_hash: str,
    ) -> Hold | None:
        """Inserts a pending booking and claims its seats, in one statement.

        If every seat is claimed, the session's version is bumped and every expirer hears
        of the deadline (at commit). None when the caller's idempotency key is taken.
        """
        by_id = sorted(seats, key=lambda seat: seat.seat_id)
        row = (
            await self.db.execute(
                HOLD,
                {
                    "id": uuid.uuid4(),
                    "user_id": user_id,
                    "session_id": seating.session_id,
                    "total": sum(seat.price_cents for seat in seats),
                    "hold": hold,
                    "starts_at": seating.starts_at,
                    "ends_at": seating.ends_at,
                    "key": idempotency_key,
                    "hash": request_hash if idempotency_key else None,
                    "seat_ids": [seat.seat_id for seat in by_id],
                    "rows": [seat.row for seat in by_id],
                    "numbers": [seat.number for seat in by_id],
                    "types": [seat.type for seat in by_id],
                    "prices": [seat.price_cents for seat in by_id],
                    "seat_count": len(by_id),
                    "channel": HOLDS_CHANNEL,
                },
            )
        ).one_or_none()
        if row is None:
            return None
        *booking, claimed, version, session_cancelled, _notified = row
        bumped = None if version is None else Version(version, session_cancelled)
        return Hold(_booking(booking), frozenset(claimed), bumped)

    async def bump_versions(self, changes: Mapping[int, int]) -> dict[int, Version]:
        """Adds `changes[session]` to each session's version, locking rows in session order."""
        rows = [{"session_id": s, "version": changes[s]} for s in sorted(changes)]
        result = await self.db.execute(BUMP_VERSIONS, rows)
        return {row.session_id: Version(row.version, row.session_cancelled) for row in result}

    # -- transitions ---------------------------------------------------------------------------

    async def confirm(self, booking_id: uuid.UUID, user_id: int) -> Booking | None:
        """Pays the caller's pending hold if its deadline has not passed by the database clock."""
        stmt = (
            update(bookings)
            .where(
                B.id == booking_id,
                B.user_id == user_id,
                B.status.in_(sources(Action.CONFIRM)),
                B.expires_at > func.now(),
            )
            .values(status=target(Action.CONFIRM), payment_status=_payment_after(Action.CONFIRM))
            .returning(*BOOKING_COLUMNS)
        )
        row = (await self.db.execute(stmt)).one_or_none()
        return None if row is None else _booking(row)

    def own_live_booking(self, booking_id: uuid.UUID, caller_id: int, *, admin: bool) -> Chosen:
        """The caller's booking (any booking for an admin), locked, for `end`."""
        chosen = select(B.id).where(B.id == booking_id).with_for_update()
        return chosen if admin else chosen.where(B.user_id == caller_id)

    async def state(self, booking_id: uuid.UUID) -> tuple[int, Status, bool] | None:
        """Owner, status, and whether the hold deadline has passed (database clock)."""
        row = (
            await self.db.execute(
                select(B.user_id, B.status, B.expires_at <= func.now()).where(B.id == booking_id)
            )
        ).one_or_none()
        return None if row is None else (row[0], Status(row[1]), bool(row[2]))

    async def end(
        self, action: Action, chosen: Chosen, reason: Reason | ColumnElement[str]
    ) -> list[Change]:
        """Ends the live bookings `chosen` selects (it should lock them) in one statement.

        Applies `action`, frees their seats, and adds to each session's seat-map version the
        number of its bookings that ended; every booking gets its own version, handed out
        in deadline order. Returns the changes to announce, in that order.
        """
        reason_value = reason.value if isinstance(reason, Reason) else reason
        due = chosen.cte("chosen")
        ended = (
            update(bookings)
            .where(B.id == _listed_in(due.c.id), B.status.in_(sources(action)))
            .values(
                status=target(action), payment_status=_payment_after(action), reason=reason_value
            )
            .returning(*BOOKING_COLUMNS)
            .cte("ended")
        )
        freed = (
            update(booking_seats)
            .where(S.booking_id == _listed_in(ended.c.id), S.active)
            .values(active=False)
            .returning(S.booking_id, *SEAT_COLUMNS)
            .cte("freed")
        )
        # the seat rows are locked before the version rows (the file's lock order): a
        # statement's WITH parts run in no set order unless one needs another's rows
        seats_first = select(func.count()).select_from(freed).scalar_subquery() >= 0
        per_session = (
            select(ended.c.session_id, func.count())
            .where(seats_first)
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
        stmt = (
            select(ended, version, *list(seats.c)[1:])
            .join(bumped, bumped.c.session_id == ended.c.session_id)
            .outerjoin(seats, seats.c.booking_id == ended.c.id)
            .order_by(*in_order)
        )
        changes = []
        for row in await self.db.execute(stmt):
            *booking, seat_map_version, ids, rows, numbers, types, prices = row
            held = sorted(
                map(SeatInfo, ids or (), rows or (), numbers or (), types or (), prices or ()),
                key=lambda s: (s.row, s.number, s.seat_id),
            )
            changes.append(Change(_booking(booking, held), seat_map_version))
        return changes

    def due_holds(self, limit: int, share: Share) -> Chosen:
        """Pending holds past their deadline in the `share` of sessions, oldest first,
        skipping ones another transaction holds."""
        return (
            select(B.id)
            .where(
                _status_is(Status.PENDING),
                B.expires_at <= func.now(),
                B.session_id % share.of == share.index,
            )
            .order_by(B.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

    def over(self, status: Status, limit: int) -> Chosen:
        """Bookings in `status` whose session has ended."""
        return (
            select(B.id)
            .where(_status_is(status), _status_in(LIVE), B.session_ends_at <= func.now())
            .order_by(B.session_ends_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

    def live_of_session(self, session_id: int) -> Chosen:
        """Every live booking of a session, locked in id order (waiting for busy ones)."""
        return (
            select(B.id)
            .where(B.session_id == session_id, B.status.in_(LIVE))
            .order_by(B.id)
            .with_for_update()
        )

    async def seats_of(self, booking_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SeatInfo]]:
        if not booking_ids:
            return {}
        stmt = select(S.booking_id, *SEAT_COLUMNS).where(S.booking_id == _any_of(booking_ids))
        return self._group_seats(await self.db.execute(stmt))

    @staticmethod
    def _group_seats(rows: Iterable[AnyRow]) -> dict[uuid.UUID, list[SeatInfo]]:
        grouped: dict[uuid.UUID, list[SeatInfo]] = {}
        for row in rows:
            grouped.setdefault(row._mapping["booking_id"], []).append(_seat(row))
        for seats in grouped.values():
            seats.sort(key=lambda s: (s.row, s.number, s.seat_id))
        return grouped

    # -- reads ---------------------------------------------------------------------------------

    async def get(self, booking_id: uuid.UUID) -> Booking | None:
        row = (
            await self.db.execute(select(*BOOKING_COLUMNS).where(B.id == booking_id))
        ).one_or_none()
        if row is None:
            return None
        seats = await self.seats_of([booking_id])
        return _booking(row, seats.get(booking_id, []))

    async def list(
        self, user_id: int | None, *, offset: int, limit: int
    ) -> tuple[list[Booking], int]:
        """Newest first; every user's when `user_id` is None."""
        query = select(*BOOKING_COLUMNS)
        count = select(func.count()).select_from(bookings)
        if user_id is not None:
            query = query.where(B.user_id == user_id)
            count = count.where(B.user_id == user_id)
        query = query.order_by(B.created_at.desc(), B.id.desc()).offset(offset).limit(limit)
        rows = (await self.db.execute(query)).all()
        total = await self.db.scalar(count) or 0
        seats = await self.seats_of([row.id for row in rows])
        return [_booking(row, seats.get(row.id, [])) for row in rows], total

    async def seat_map_state(self, session_id: int) -> SeatMapState:
        """Taken seats and the version, from one statement, hence one consistent snapshot."""
        version = select(V.version).where(V.session_id == session_id).scalar_subquery()
        pending = B.status == Status.PENDING
        stmt = (
            select(
                version,
                func.array_agg(S.seat_id).filter(pending),
                func.array_agg(S.seat_id).filter(~pending),
            )
            .select_from(booking_seats.join(bookings, B.id == S.booking_id))
            .where(S.session_id == session_id, S.active)
        )
        row = (await self.db.execute(stmt)).one()
        return SeatMapState(row[0] or 0, frozenset(row[1] or ()), frozenset(row[2] or ()))

    async def seconds_until_next_hold_deadline(self) -> float | None:
        return await self._seconds_until(
            select(func.min(B.expires_at)).where(_status_is(Status.PENDING))
        )

    async def seconds_until_next_session_end(self) -> float | None:
        return await self._seconds_until(
            select(func.min(B.session_ends_at)).where(_status_in(LIVE))
        )

    async def _seconds_until(self, earliest: Select[tuple[datetime]]) -> float | None:
        moment = earliest.scalar_subquery()
        value = await self.db.scalar(select(extract("epoch", moment - func.clock_timestamp())))
        return None if value is None else float(value)

    # -- session changes -----------------------------------------------------------------------

    async def set_session_cancelled(self, session_id: int, cancelled: bool) -> None:
        """Records the session's cancellation; holds committing after this see it and fail."""
        if cancelled:
            stmt = pg_insert(seat_map_versions).values(
                session_id=session_id, session_cancelled=True
            )
            await self.db.execute(
                stmt.on_conflict_do_update(
                    index_elements=[V.session_id], set_={"session_cancelled": True}
                )
            )
        else:
            await self.db.execute(
                update(seat_map_versions)
                .where(V.session_id == session_id, V.session_cancelled)
                .values(session_cancelled=False)
            )

    async def move_session(self, session_id: int, starts_at: datetime, ends_at: datetime) -> None:
        """Keeps the copied session times of live bookings in step with cinema_svc."""
        await self.db.execute(
            update(bookings)
            .where(
                B.session_id == session_id,
                B.status.in_(LIVE),
                (B.session_starts_at != starts_at) | (B.session_ends_at != ends_at),
            )
            .values(session_starts_at=starts_at, session_ends_at=ends_at)
        )

    async def finish(self, limit: int) -> int:
        """Confirmed bookings of sessions that are over become finished (seats stay sold)."""
        due = self.over(Status.CONFIRMED, limit).cte("due")
        stmt = (
            update(bookings)
            .where(B.id == _listed_in(due.c.id))
            .values(status=target(Action.FINISH))
            .returning(B.id)
        )
        return len((await self.db.execute(stmt)).all())

    async def purge_idempotency_keys(self, older_than: timedelta) -> int:
        """Forgets idempotency keys of bookings created more than `older_than` ago."""
        stmt = (
            update(bookings)
            .where(B.idempotency_key.is_not(None), B.created_at < func.now() - older_than)
            .values(idempotency_key=None, request_hash=None)
            .returning(B.id)
        )
        return len((await self.db.execute(stmt)).all())
