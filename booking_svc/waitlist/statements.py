"""The waiting list's SQL, in SQLAlchemy Core.

Lock order, before the booking statements' own (booking_svc.statements): the session's
waiting-list advisory lock, then its waiting entries. Only the serving transaction takes the
advisory lock, and it takes it first, so serving one session is serialised across replicas
while holds, expiries and cancellations never wait for it; they wait for nothing it holds
that they do not take in the same order themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Executable,
    Select,
    Text,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from booking_svc.models import waitlist_entries
from booking_svc.waitlist.rules import EntryStatus

W = waitlist_entries.c

SERVING_LOCK_CLASS = 7_264_100
"""First key of the advisory lock that serialises serving one session (second: its id)."""


def _status_is(status: EntryStatus) -> ColumnElement[bool]:
    """Written into the SQL, not bound: a bound status stops PostgreSQL from matching the
    partial unique index of ON CONFLICT once a prepared statement goes generic."""
    return W.status == literal(status.value, Text, literal_execute=True)


def _shown_status() -> ColumnElement[str]:
    """An entry's status as its owner sees it: a waiting entry whose session has started has
    ended, even before the chore that records it has run."""
    started = and_(_status_is(EntryStatus.WAITING), W.session_starts_at <= func.now())
    return case((started, EntryStatus.ENDED.value), else_=W.status)


ENTRY_COLUMNS = (
    W.id,
    W.user_id,
    W.session_id,
    W.seat_count,
    W.together,
    _shown_status().label("status"),
    W.booking_id,
    W.created_at,
    W.updated_at,
)


def join(
    user_id: int, session_id: int, count: int, together: bool, starts_at: datetime
) -> ReturningInsert[Any]:
    """A new waiting entry; no row when the user already waits for this session."""
    entry = pg_insert(waitlist_entries).values(
        user_id=user_id,
        session_id=session_id,
        seat_count=count,
        together=together,
        session_starts_at=starts_at,
    )
    return entry.on_conflict_do_nothing(
        index_elements=[W.session_id, W.user_id], index_where=_status_is(EntryStatus.WAITING)
    ).returning(*ENTRY_COLUMNS)


def entry(entry_id: int) -> Select[Any]:
    return select(*ENTRY_COLUMNS).where(W.id == entry_id)


def of_user(user_id: int) -> Select[Any]:
    return select(*ENTRY_COLUMNS).where(W.user_id == user_id).order_by(W.created_at.desc(), W.id)


def leave(entry_id: int, user_id: int) -> ReturningUpdate[Any]:
    """The user's waiting entry is cancelled; no row when it is not theirs or not waiting."""
    return (
        update(waitlist_entries)
        .where(
            W.id == entry_id,
            W.user_id == user_id,
            _status_is(EntryStatus.WAITING),
            W.session_starts_at > func.now(),
        )
        .values(status=EntryStatus.CANCELLED.value, updated_at=func.now())
        .returning(*ENTRY_COLUMNS)
    )


def lock_serving(session_id: int) -> Executable:
    """Waits until no other transaction serves the session's waiting list (until commit)."""
    return select(func.pg_advisory_xact_lock(SERVING_LOCK_CLASS, session_id % 2**31))


def waiting_of(session_id: int) -> Select[Any]:
    """The session's waiting entries, oldest first, locked."""
    return (
        select(*ENTRY_COLUMNS)
        .where(W.session_id == session_id, _status_is(EntryStatus.WAITING))
        .order_by(W.created_at, W.id)
        .with_for_update()
    )


def served(entry_id: int, booking_id: uuid.UUID) -> Executable:
    return (
        update(waitlist_entries)
        .where(W.id == entry_id)
        .values(status=EntryStatus.SERVED.value, booking_id=booking_id, updated_at=func.now())
    )


def end_waiting(session_id: int | None = None) -> ReturningUpdate[Any]:
    """Waiting entries of sessions that have started end (of one session: all of them, as
    when it is cancelled or no longer bookable)."""
    ending = update(waitlist_entries).where(_status_is(EntryStatus.WAITING))
    if session_id is None:
        ending = ending.where(W.session_starts_at <= func.now())
    else:
        ending = ending.where(W.session_id == session_id)
    return ending.values(status=EntryStatus.ENDED.value, updated_at=func.now()).returning(W.id)


def move_session(session_id: int, starts_at: datetime) -> Executable:
    return (
        update(waitlist_entries)
        .where(W.session_id == session_id, _status_is(EntryStatus.WAITING))
        .values(session_starts_at=starts_at)
    )


SESSIONS_WAITING = (
    select(W.session_id)
    .where(_status_is(EntryStatus.WAITING), W.session_starts_at > func.now())
    .distinct()
)
"""Sessions with someone waiting."""


def waiting_among(session_ids: Iterable[int]) -> Select[Any]:
    """Which of these sessions have someone waiting (whether or not they have started)."""
    ids = bindparam("session_ids", sorted(session_ids), type_=ARRAY(BigInteger))
    return (
        select(W.session_id)
        .where(_status_is(EntryStatus.WAITING), W.session_id == func.any(ids))
        .distinct()
    )
