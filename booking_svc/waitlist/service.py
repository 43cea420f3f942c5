"""The waiting list's use cases: join, list, leave, and serve a session when its seats free.

How serving is triggered, and why it is safe:
- Where seats free, booking_svc tells the waiting list after the change committed
  (`BookingService.on_seats_freed`: expiries, cancellations, session changes). Serving runs
  in this process's background loop, so no cancel or expiry waits for it; a sweep every
  SWEEP_SECONDS serves every session with someone waiting, which covers a replica that
  stopped between a commit and its serving, and ends entries whose session started.
- Serving a session is one transaction: it takes the session's serving lock (an advisory
  lock, so replicas serve one session one at a time and never hand the same free seats to
  two entries), then the waiting entries oldest first, reads the free seats, and holds seats
  for each entry they can satisfy with the same hold statement customers use, each in a
  savepoint. It also takes the session's seat-rule lock (after the serving lock, which only
  the waiting list takes), so its choice respects the orphan rule as a customer's hold does;
  seats are chosen as best available chooses them. A customer holding the same seat at the
  same moment meets the partial unique index on live seats: whoever commits first has it;
  the other gets the normal 409, or, for the waiting list, picks again from what is left
  (SERVING_ATTEMPTS times).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import timedelta

import prometheus_client as prom
from sqlalchemy.ext.asyncio import AsyncConnection

from booking_svc.domain import (
    Booking,
    Change,
    SeatInfo,
    SessionSeating,
    Source,
    require_bookable,
    session_not_found,
)
from booking_svc.repository import BookingRepository, SeatsTaken
from booking_svc.seat_rules import require_no_orphan
from booking_svc.selection import CHOOSABLE_TYPES, Wish, best_group
from booking_svc.service import BookingService
from booking_svc.waitlist.repository import WaitlistRepository
from booking_svc.waitlist.rules import (
    Entry,
    already_waiting,
    entry_not_found,
    not_waiting,
    seats_for,
    validate_count,
)
from svckit.db import reading
from svckit.deadlines import every
from svckit.errors import Conflict, InvalidArgument, NotFound
from svckit.identity import Caller, signed_in
from svckit.vocabulary import Topic

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30.0
SERVING_ATTEMPTS = 3
"""How often an entry picks again when a customer took one of its seats meanwhile."""

WAITLIST_HOLDS = prom.Counter(
    "booking_waitlist_holds_total", "Holds the waiting list made for the people on it."
)


class _SeatsTaken(Exception):
    """A seat chosen for an entry was taken by a hold that committed meanwhile."""


class _OverLimit(Exception):
    """The entry's owner holds too many seats of the session to get more now."""


class _SessionCancelled(Exception):
    """The session was cancelled while the waiting list served it."""


class Waitlist:
    def __init__(self, bookings: BookingService, *, hold_seconds: int) -> None:
        self.bookings = bookings
        self.database = bookings.database
        self.hold_period = timedelta(seconds=hold_seconds)
        self._due: set[int] = set()
        self._wake = asyncio.Event()

    # -- the owner's actions -------------------------------------------------------------------

    async def join(
        self, caller: Caller | None, session_id: int, count: int, together: bool
    ) -> Entry:
        """Puts the caller on the session's waiting list, and serves it at once in case seats
        are free already; answers the entry as it then is."""
        user = signed_in(caller, "sign in to join a waiting list")
        validate_count(count, self.bookings.max_seats)
        seating = await self._bookable(session_id)
        async with self.database.begin() as db:
            entry = await WaitlistRepository(db).join(
                user.user_id, session_id, count, together, seating.starts_at
            )
        if entry is None:
            raise already_waiting()
        log.info("waiting-list entry %d for session %d: %d seats", entry.id, session_id, count)
        held = await self.serve(session_id)
        async with reading(self.database) as db:
            now = await WaitlistRepository(db).get(entry.id) or entry
        version = next((b.seat_map_version for b in held if b.id == now.booking_id), 0)
        return replace(now, seat_map_version=version)

    async def mine(self, caller: Caller | None) -> list[Entry]:
        """The caller's entries, newest first."""
        user = signed_in(caller, "sign in to see your waiting lists")
        async with reading(self.database) as db:
            return await WaitlistRepository(db).of_user(user.user_id)

    async def leave(self, caller: Caller | None, entry_id: int) -> Entry:
        """Takes the caller's waiting entry off the list."""
        user = signed_in(caller, "sign in to leave a waiting list")
        async with self.database.begin() as db:
            repo = WaitlistRepository(db)
            left = await repo.leave(entry_id, user.user_id)
            if left is not None:
                return left
            entry = await repo.get(entry_id)
        if entry is None or entry.user_id != user.user_id:
            raise entry_not_found(entry_id)
        raise not_waiting(entry.status)

    # -- serving -------------------------------------------------------------------------------

    def request_serving(self, session_ids: Iterable[int]) -> None:
        """Asks the background loop to serve these sessions soon (it never blocks)."""
        self._due.update(session_ids)
        if self._due:
            self._wake.set()

    def tasks(self) -> dict[str, Callable[[], Awaitable[None]]]:
        return {"waitlist": self.run, "waitlist-sweep": lambda: every(SWEEP_SECONDS, self.sweep)}

    async def run(self) -> None:
        """Serves the sessions asked for that have someone waiting, for as long as the service
        runs (one query finds them: a sale's expiries free seats in many sessions at once,
        and most have nobody waiting)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            due, self._due = self._due, set()
            try:
                async with reading(self.database) as db:
                    waiting = await WaitlistRepository(db).waiting_among(due)
            except Exception:
                log.exception("waiting lists: finding who waits failed (the sweep serves them)")
                continue
            for session_id in sorted(waiting):
                try:
                    await self.serve(session_id)
                except Exception:
                    log.exception("waiting list of session %d: serving failed", session_id)

    async def sweep(self) -> int:
        """Ends the entries of sessions that started and serves every session with someone
        waiting; returns how many holds it made."""
        async with self.database.begin() as db:
            ended = await WaitlistRepository(db).end_waiting()
            sessions = await WaitlistRepository(db).sessions_waiting()
        if ended:
            log.info("%d waiting-list entries ended: their sessions started", ended)
        made = 0
        for session_id in sessions:
            try:
                made += len(await self.serve(session_id))
            except Exception:
                log.exception("waiting list of session %d: serving failed", session_id)
        return made

    async def serve(self, session_id: int) -> list[Booking]:
        """Holds free seats for the session's waiting entries, oldest first, each one the free
        seats can satisfy; entries they cannot satisfy keep their place. Returns the holds."""
        try:
            seating = await self._bookable(session_id)
        except (Conflict, NotFound):
            async with self.database.begin() as db:
                await WaitlistRepository(db).end_waiting(session_id)
            return []
        try:
            async with self.database.begin() as db:
                held = await self._serve_in(db, seating)
        except _SessionCancelled:
            return []
        for booking in held:
            WAITLIST_HOLDS.inc()
            log.info(
                "booking %s held from the waiting list",
                booking.id,
                extra={"fields": {"booking_id": str(booking.id), "session_id": session_id}},
            )
            self.bookings.on_hold(booking.expires_at.timestamp())
        return held

    async def _serve_in(self, db: AsyncConnection, seating: SessionSeating) -> list[Booking]:
        repo = WaitlistRepository(db)
        waiting = await repo.lock_waiting(seating.session_id)
        if not waiting:
            return []
        await BookingRepository(db).lock_session_seats(seating.session_id)
        await repo.move_session(seating.session_id, seating.starts_at)
        free = await self._free_seats(db, seating)
        held = []
        for entry in waiting:
            booking = await self._serve_entry(db, seating, entry, free)
            if booking is not None:
                held.append(booking)
                free -= {seat.seat_id for seat in booking.seats}
        return held

    async def _serve_entry(
        self, db: AsyncConnection, seating: SessionSeating, entry: Entry, free: set[int]
    ) -> Booking | None:
        """Holds seats for the entry if the free ones satisfy it; None when they do not."""
        for _ in range(SERVING_ATTEMPTS):
            seats = self._choose(seating, free, entry)
            if seats is None:
                return None
            try:
                async with db.begin_nested():
                    return await self._hold_for(db, seating, entry, seats)
            except _SeatsTaken:
                free.intersection_update(await self._free_seats(db, seating))
            except _OverLimit:
                return None
        return None

    def _choose(
        self, seating: SessionSeating, free: set[int], entry: Entry
    ) -> list[SeatInfo] | None:
        """The seats best available would pick for the entry (standard and vip, side by side,
        stranding no seat while the orphan rule applies); when no row has them together and
        the entry does not insist, any such free seats over as few rows as possible."""
        hall = seating.ordered_seats()
        taken = set(seating.seats) - free
        refuse_orphans = self.bookings.seat_rules.orphans_refused(seating, self.bookings.clock())
        group = best_group(hall, taken, Wish(entry.count), allow_orphans=not refuse_orphans)
        if group is not None:
            return list(group.seats)
        if entry.together:
            return None
        plain = {seat.seat_id for seat in hall if seat.type in CHOOSABLE_TYPES} & free
        seats = seats_for(hall, plain, entry.count, together=False)
        if seats is None or not refuse_orphans:
            return seats
        try:
            require_no_orphan(seating, taken, [seat.seat_id for seat in seats], taking=True)
        except InvalidArgument:
            return None
        return seats

    async def _hold_for(
        self, db: AsyncConnection, seating: SessionSeating, entry: Entry, seats: list[SeatInfo]
    ) -> Booking:
        held = await BookingRepository(db).hold(
            user_id=entry.user_id,
            seating=seating,
            seats=seats,
            hold=self.hold_period,
            max_held=self.bookings.max_seats_per_user,
            idempotency_key=None,
            request_hash="",
            source=Source.WAITLIST,
        )
        assert held is not None, "a hold without an idempotency key is never a replay"
        if isinstance(held, SeatsTaken):
            raise _SeatsTaken
        if not held.within_limit:
            raise _OverLimit
        if held.version is None:
            raise _SeatsTaken
        if held.version.session_cancelled:
            raise _SessionCancelled
        booking = replace(held.booking, seats=tuple(seats))
        await WaitlistRepository(db).served(entry.id, booking.id)
        await self.bookings.events.add(
            db, Topic.BOOKING_CREATED, [Change(booking, held.version.version)]
        )
        return replace(booking, seat_map_version=held.version.version)

    async def _free_seats(self, db: AsyncConnection, seating: SessionSeating) -> set[int]:
        state = await BookingRepository(db).seat_map_state(seating.session_id)
        return set(seating.seats) - state.held - state.booked

    async def _bookable(self, session_id: int) -> SessionSeating:
        seating = await self.bookings.seating.get(session_id)
        if seating is None:
            raise session_not_found(session_id)
        return require_bookable(seating, session_id, self.bookings.clock())
