"""booking_svc's storage in intents: hold, confirm, end, remember answers, expire, finish,
purge, and reads.

Each method runs its statement (booking_svc.statements, which also states the lock order)
inside the caller's transaction, and answers in domain values.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncConnection

from booking_svc import statements as sql
from booking_svc.domain import (
    EXPIRY,
    OWNER_CANCELLATION,
    SESSION_CANCELLATION,
    Action,
    Answered,
    Booking,
    BookingState,
    Change,
    Ending,
    KeyedRequest,
    Payment,
    SeatInfo,
    SeatMapState,
    SessionSeating,
    Source,
    Status,
    keyed_action,
    sources,
)
from booking_svc.jobs import HOLDS_CHANNEL
from booking_svc.ticket_repository import TicketRepository
from booking_svc.ticket_rules import TICKETED
from svckit.db import driver_connection

AnyRow = Row[*tuple[Any, ...]]


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
    """What the hold statement did: the booking, whether its seats fit in the user's limit,
    the seats it got (none past the limit), and the version bump (None unless it got every
    seat)."""

    booking: Booking
    within_limit: bool
    claimed: frozenset[int]
    version: Version | None


@dataclass(frozen=True)
class SeatsTaken:
    """A hold the hold statement refused before writing anything: these seats were taken."""

    seat_ids: frozenset[int]


def _booking(values: Sequence[Any], seats: Iterable[SeatInfo] = ()) -> Booking:
    """A Booking from the values of statements.BOOKING_COLUMNS, in their order."""
    (id_, user_id, session_id, status, payment, reason, total, *times, source, extensions) = values
    created, updated, expires = times
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
        source=Source(source),
        extensions=extensions,
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


def _group_seats(rows: Iterable[AnyRow]) -> dict[uuid.UUID, list[SeatInfo]]:
    grouped: dict[uuid.UUID, list[SeatInfo]] = {}
    for row in rows:
        grouped.setdefault(row._mapping["booking_id"], []).append(_seat(row))
    for seats in grouped.values():
        seats.sort(key=lambda s: (s.row, s.number, s.seat_id))
    return grouped


class BookingRepository:
    def __init__(self, db: AsyncConnection) -> None:
        self.db = db

    # -- holds -------------------------------------------------------------------------------

    async def find_by_idempotency_key(self, user_id: int, key: str) -> tuple[uuid.UUID, str] | None:
        """The booking id and request hash stored under the caller's key."""
        row = (await self.db.execute(sql.by_idempotency_key(user_id, key))).one_or_none()
        return None if row is None else (row.id, row.request_hash or "")

    async def hold(
        self,
        *,
        user_id: int,
        seating: SessionSeating,
        seats: Sequence[SeatInfo],
        hold: timedelta,
        max_held: int,
        idempotency_key: str | None,
        request_hash: str,
        source: Source = Source.DIRECT,
    ) -> Hold | SeatsTaken | None:
        """Inserts a pending booking and claims its seats, in one statement.

        The seats are claimed only if the user then holds at most `max_held` seats of the
        session. If every seat is claimed, the session's version is bumped and every expirer
        hears of the deadline (at commit). SeatsTaken, having written nothing, when some seats
        are taken already; None when the caller's idempotency key is taken.
        """
        by_id = sorted(seats, key=lambda seat: seat.seat_id)
        conn = await driver_connection(self.db)
        cursor = await conn.execute(
            sql.HOLD,
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
                "max_held": max_held,
                "channel": HOLDS_CHANNEL,
                "source": source.value,
            },
            prepare=True,
        )
        row = await cursor.fetchone()
        assert row is not None, "the hold statement answers one row"
        *booking, within_limit, claimed, version, session_cancelled, taken, _notified = row
        if taken:
            return SeatsTaken(frozenset(taken))
        if booking[0] is None:
            return None
        bumped = None if version is None else Version(version, session_cancelled)
        return Hold(_booking(booking), within_limit, frozenset(claimed), bumped)

    # -- owner actions ---------------------------------------------------------------------------

    async def confirm(self, booking_id: uuid.UUID, user_id: int) -> Change | None:
        """Pays the caller's pending hold if neither its deadline nor its session's start has
        passed by the database clock, bumps its session's version and issues its tickets; None
        when it could not."""
        row = (await self.db.execute(sql.confirm(booking_id, user_id))).one_or_none()
        if row is None:
            return None
        seats = (await self._seats_of([booking_id])).get(booking_id, [])
        booking = replace(_booking(row), seats=tuple(seats))
        version = (await self._bump_versions({booking.session_id: 1}))[booking.session_id]
        issued = await TicketRepository(self.db).issue(booking_id)
        return Change(booking, version.version, tuple(issued))

    async def extend(
        self, booking_id: uuid.UUID, user_id: int, *, by: timedelta, max_extensions: int
    ) -> Change | None:
        """Moves the caller's pending hold's deadline later (see statements.extend) and bumps
        its session's version; None when it could not."""
        statement = sql.extend(booking_id, user_id, by=by, max_extensions=max_extensions)
        row = (await self.db.execute(statement)).one_or_none()
        if row is None:
            return None
        seats = (await self._seats_of([booking_id])).get(booking_id, [])
        booking = replace(_booking(row), seats=tuple(seats))
        version = (await self._bump_versions({booking.session_id: 1}))[booking.session_id]
        return Change(booking, version.version)

    async def end_own(
        self, booking_id: uuid.UUID, caller_id: int, *, cutoff: timedelta | None
    ) -> list[Change]:
        """Cancels the caller's live booking if it is a hold or its session starts more than
        `cutoff` from now; with no cutoff (an admin), anyone's booking whenever. The reason
        records whether its owner did it. Empty when there is no such booking."""
        chosen = sql.own_booking(booking_id, caller_id, cutoff=cutoff)
        return await self._end(chosen, OWNER_CANCELLATION.action, sql.cancelled_by(caller_id))

    async def state(self, booking_id: uuid.UUID) -> BookingState | None:
        """What explains a refused change, read by the database clock."""
        row = (await self.db.execute(sql.state(booking_id))).one_or_none()
        if row is None:
            return None
        user_id, status, past_deadline, starts_in, extensions = row
        return BookingState(user_id, Status(status), bool(past_deadline), starts_in, extensions)

    async def remember(self, request: KeyedRequest, booking: Booking) -> bool:
        """Keeps `booking` as the answer to the keyed request, after its change and in its
        transaction; False when the key is taken."""
        stored = (await self.db.execute(sql.remember_answer(request, booking))).one_or_none()
        return stored is not None

    async def answered(self, user_id: int, key: str) -> Answered | None:
        """What the caller's earlier confirm or cancel under `key` did and answered."""
        row = (await self.db.execute(sql.answered(user_id, key))).one_or_none()
        if row is None:
            return None
        *booking, action = row
        seats = await self._seats_of([row.id])
        return Answered(_booking(booking, seats.get(row.id, [])), keyed_action(action))

    # -- time-driven -----------------------------------------------------------------------------

    async def expire_due(self, limit: int, share: Share) -> list[Change]:
        """Expires up to `limit` holds past their deadline in the `share` of sessions."""
        params = {"limit": limit, "share": share.index, "of": share.of}
        ended = await sql.EXPIRE_DUE.fetch(self.db, params)
        return await self._ended(ended, EXPIRY.action)

    async def expire_one(self, booking_id: uuid.UUID) -> list[Change]:
        """Expires the booking if it is still a hold (a late payment found it so)."""
        return await self._end_as(sql.one_booking(booking_id), EXPIRY)

    async def finish_due(self, limit: int) -> int:
        """Up to `limit` confirmed bookings of sessions that are over finish (seats stay sold)."""
        return len((await self.db.execute(sql.finish(limit))).all())

    async def expire_past_sessions(self, limit: int) -> list[Change]:
        """Up to `limit` holds still pending when their session is over expire."""
        return await self._end_as(sql.over(EXPIRY.action, limit), EXPIRY)

    async def purge(self, older_than: timedelta) -> int:
        """Forgets idempotency keys of holds, confirms and cancels made more than `older_than`
        ago."""
        holds = (await self.db.execute(sql.purge_idempotency_keys(older_than))).all()
        actions = (await self.db.execute(sql.purge_action_keys(older_than))).all()
        return len(holds) + len(actions)

    async def seconds_until_next_hold_deadline(self) -> float | None:
        return await self._seconds(sql.NEXT_HOLD_DEADLINE)

    async def seconds_until_next_session_end(self) -> float | None:
        return await self._seconds(sql.NEXT_SESSION_END)

    # -- session changes -------------------------------------------------------------------------

    async def set_session_cancelled(self, session_id: int, cancelled: bool) -> None:
        """Records the session's cancellation; holds committing after this see it and fail."""
        await self.db.execute(sql.set_session_cancelled(session_id, cancelled))

    async def move_session(self, session_id: int, starts_at: datetime, ends_at: datetime) -> None:
        """Keeps the copied session times of live bookings in step with cinema_svc."""
        await self.db.execute(sql.move_session(session_id, starts_at, ends_at))

    async def end_session(self, session_id: int) -> list[Change]:
        """Cancels every live booking of a cancelled session, waiting for busy ones."""
        return await self._end_as(sql.live_of_session(session_id), SESSION_CANCELLATION)

    # -- shared steps ----------------------------------------------------------------------------

    async def _end_as(self, chosen: sql.Chosen, ending: Ending) -> list[Change]:
        return await self._end(chosen, ending.action, ending.reason.value)

    async def _end(
        self, chosen: sql.Chosen, action: Action, reason: sql.ReasonValue
    ) -> list[Change]:
        """Ends the bookings `chosen` selects, voiding their tickets; the changes to announce, in
        deadline order."""
        ended = await self.db.execute(sql.end(chosen, action, reason))
        return await self._ended(ended, action)

    async def _ended(self, ended: Iterable[Sequence[Any]], action: Action) -> list[Change]:
        """The changes of the bookings `end` ended, from its rows, their tickets voided."""
        changes = []
        for row in ended:
            *booking, seat_map_version, ids, rows, numbers, types, prices = row
            held = sorted(
                map(SeatInfo, ids or (), rows or (), numbers or (), types or (), prices or ()),
                key=lambda s: (s.row, s.number, s.seat_id),
            )
            changes.append(Change(_booking(booking, held), seat_map_version))
        if TICKETED in sources(action):
            await TicketRepository(self.db).void([change.booking.id for change in changes])
        return changes

    async def _bump_versions(self, changes: Mapping[int, int]) -> dict[int, Version]:
        """Adds `changes[session]` to each session's version, locking rows in session order."""
        rows = [{"session_id": s, "version": changes[s]} for s in sorted(changes)]
        result = await self.db.execute(sql.BUMP_VERSIONS, rows)
        return {row.session_id: Version(row.version, row.session_cancelled) for row in result}

    async def _seats_of(self, booking_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SeatInfo]]:
        if not booking_ids:
            return {}
        return _group_seats(await self.db.execute(sql.seats_of(booking_ids)))

    async def _seconds(self, until: Select[Any]) -> float | None:
        value = await self.db.scalar(until)
        return None if value is None else float(value)

    # -- seat selection rules ----------------------------------------------------------------------

    async def lock_session_seats(self, session_id: int) -> None:
        """Waits for, then holds until commit, the session's seat-rule lock (statements
        explains why it comes first)."""
        key = sql.seat_lock_key(session_id)
        await self.db.execute(sql.LOCK_SESSION_SEATS, {"space": sql.SEAT_LOCK_SPACE, "key": key})

    async def lock_own(
        self, booking_id: uuid.UUID, caller_id: int, *, cutoff: timedelta | None
    ) -> bool:
        """Locks the caller's booking as a cancellation would choose it (see end_own)."""
        chosen = sql.own_booking(booking_id, caller_id, cutoff=cutoff)
        return (await self.db.execute(chosen)).one_or_none() is not None

    async def release(self, booking: Booking, seat_ids: Sequence[int]) -> Change:
        """Gives back these live seats of the (locked) booking, which goes on with the others:
        its total drops by their prices, a hold's count by their number, their tickets are
        voided, and the session's version is bumped. The change names the released seats and
        the new total.

        `seat_ids` must be live seats of the booking: its row lock keeps them so."""
        if booking.status == Status.PENDING:
            await self.db.execute(sql.unhold(booking.session_id, booking.user_id, len(seat_ids)))
        rows = (await self.db.execute(sql.release_seats(booking.id, seat_ids))).all()
        await TicketRepository(self.db).void_seats(booking.id, seat_ids)
        released = sorted(map(_seat, rows), key=lambda s: (s.row, s.number, s.seat_id))
        cents = sum(seat.price_cents for seat in released)
        repriced = (await self.db.execute(sql.reprice(booking.id, cents))).one()
        version = (await self._bump_versions({booking.session_id: 1}))[booking.session_id]
        return Change(_booking(repriced, released), version.version)

    # -- reads -----------------------------------------------------------------------------------

    async def get(self, booking_id: uuid.UUID) -> Booking | None:
        row = (await self.db.execute(sql.booking(booking_id))).one_or_none()
        if row is None:
            return None
        seats = await self._seats_of([booking_id])
        return _booking(row, seats.get(booking_id, []))

    async def list(
        self, user_id: int | None, *, offset: int, limit: int
    ) -> tuple[list[Booking], int]:
        """Newest first; every user's when `user_id` is None."""
        query, count = sql.page(user_id, offset=offset, limit=limit)
        rows = (await self.db.execute(query)).all()
        total = await self.db.scalar(count) or 0
        seats = await self._seats_of([row.id for row in rows])
        return [_booking(row, seats.get(row.id, [])) for row in rows], total

    async def taken_seats(self, session_ids: Sequence[int]) -> dict[int, frozenset[int]]:
        """The held or booked seat ids of each session that has any."""
        rows = (await self.db.execute(sql.taken_seats(session_ids))).all()
        return {row[0]: frozenset(row[1]) for row in rows}

    async def seat_map_state(self, session_id: int) -> SeatMapState:
        """Taken seats and the version, from one statement, hence one consistent snapshot."""
        version, held, booked, deadlines = (
            await self.db.execute(sql.seat_map_state(session_id))
        ).one()
        return SeatMapState(
            version or 0,
            frozenset(held or ()),
            frozenset(booked or ()),
            dict(zip(held or (), deadlines or (), strict=True)),
        )
