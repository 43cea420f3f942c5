"""The booking use cases: hold, confirm, cancel, expire, finish, cancel a session, and reads.

Every state change is one transaction that also bumps the session's seat-map version and
writes its event to the outbox, so an event exists if and only if its change committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import prometheus_client as prom
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from booking_svc.availability import MAX_SESSIONS, SessionSummary, summarize
from booking_svc.domain import (
    Action,
    Booking,
    Change,
    KeyedRequest,
    Reason,
    SeatMapState,
    SessionSeating,
    booking_not_found,
    hold_limit,
    idempotency_key_reused,
    keyed_request,
    parse_booking_id,
    payment_required,
    refuse_cancel,
    refuse_confirm,
    refuse_extend,
    replay,
    request_hash,
    require_bookable,
    seats_to_hold,
    session_not_found,
    validate_idempotency_key,
    validate_seat_selection,
)
from booking_svc.events import BookingEvents
from booking_svc.jobs import BATCH_SIZE
from booking_svc.repository import BookingRepository, SeatsTaken, Share
from booking_svc.seat_rules import (
    NO_SEAT_RULES,
    SeatRules,
    require_companions_beside_wheelchairs,
    require_no_orphan,
)
from booking_svc.seating import SeatingCache
from svckit.db import reading
from svckit.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from svckit.identity import Caller, signed_in
from svckit.metrics import LAG_BUCKETS
from svckit.vocabulary import EventType, Topic

log = logging.getLogger(__name__)

EXPIRY_SHARES = 4
"""Concurrent expiry transactions when many holds fall due at once (a flash sale's end)."""
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)

HOLDS_CREATED = prom.Counter("booking_holds_created_total", "Holds placed: new pending bookings.")
HOLDS_CONFLICTED = prom.Counter(
    "booking_holds_conflicted_total", "Holds refused because a seat was taken (seats_taken)."
)
HOLDS_LIMITED = prom.Counter(
    "booking_holds_limited_total",
    "Holds refused because the user would hold too many seats of the session (hold_limit).",
)
CONFIRMATIONS = prom.Counter("booking_confirmations_total", "Holds paid for: bookings confirmed.")
CANCELLATIONS = prom.Counter(
    "booking_cancellations_total",
    "Bookings that gave their seats back, by reason (expired included).",
    ["reason"],
)
EXPIRY_LAG = prom.Histogram(
    "booking_expiry_lag_seconds",
    "Time from a hold's deadline to the expirer releasing its seats.",
    buckets=LAG_BUCKETS,
)
for _reason in Reason:
    CANCELLATIONS.labels(_reason.value)


class _KeyTaken(Exception):
    """Another request with the same idempotency key committed first."""


Pick = Callable[[BookingRepository, SessionSeating], Awaitable[Sequence[int]]]
"""Chooses a hold's seat ids inside its transaction, before the hold statement."""


def _key_in_flight() -> Conflict:
    return Conflict(
        "a request with this Idempotency-Key is in flight; retry", code="idempotency_conflict"
    )


def _seats_taken(seat_ids: Iterable[int]) -> AlreadyExists:
    """Counts a hold refused for taken seats; the error naming them."""
    HOLDS_CONFLICTED.inc()
    return AlreadyExists(
        "some seats are already taken", code="seats_taken", details={"seat_ids": sorted(seat_ids)}
    )


@dataclass(frozen=True)
class SessionUpdate:
    """What a SessionChanged event tells booking_svc."""

    session_id: int
    starts_at: datetime
    ends_at: datetime
    cancelled: bool


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _log_change(what: str, booking: Booking) -> None:
    """One log line per booking a caller changed, tied to its request by the request id."""
    log.info(
        "booking %s %s",
        booking.id,
        what,
        extra={
            "fields": {
                "booking_id": str(booking.id),
                "session_id": booking.session_id,
                "seat_ids": [seat.seat_id for seat in booking.seats],
                "status": booking.status.value,
            }
        },
    )


def _count_ended(ended: Sequence[Booking]) -> None:
    """Counts committed cancellations and expiries by their reason."""
    for reason, count in Counter(booking.reason for booking in ended).items():
        CANCELLATIONS.labels(reason).inc(count)


class BookingService:
    def __init__(
        self,
        database: AsyncEngine,
        seating: SeatingCache,
        events: BookingEvents,
        *,
        hold_seconds: int,
        max_seats: int,
        max_seats_per_user: int,
        cancel_cutoff_minutes: int,
        payment_required: bool = False,
        seat_rules: SeatRules = NO_SEAT_RULES,
        extend_seconds: int = 300,
        max_extensions: int = 1,
        on_hold: Callable[[float], None] = lambda _deadline: None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.database = database
        self.seating = seating
        self.events = events
        self.hold_period = timedelta(seconds=hold_seconds)
        self.max_seats = max_seats
        self.max_seats_per_user = max_seats_per_user
        self.cancel_cutoff = timedelta(minutes=cancel_cutoff_minutes)
        self.payment_required = payment_required
        self.seat_rules = seat_rules
        self.extension = timedelta(seconds=extend_seconds)
        self.max_extensions = max_extensions
        self.on_hold = on_hold
        self.on_seats_freed: Callable[[Iterable[int]], None] = lambda _sessions: None
        """Told the sessions whose seats a committed change freed (the waiting list serves
        them); also sessions that changed or were cancelled."""
        self.clock = clock

    # -- hold ----------------------------------------------------------------------------------

    async def hold(
        self,
        caller: Caller | None,
        session_id: int,
        seat_ids: Sequence[int],
        idempotency_key: str = "",
    ) -> Booking:
        """Holds the seats for the caller until the hold expires, or explains why not."""
        user = signed_in(caller, "sign in to book seats")
        wanted = validate_seat_selection(seat_ids, self.max_seats)
        key = validate_idempotency_key(idempotency_key)
        digest = request_hash(session_id, wanted)
        if key is not None and (replay := await self._replay(user.user_id, key, digest)):
            return replay
        seating = require_bookable(await self.seating.get(session_id), session_id, self.clock())
        require_companions_beside_wheelchairs(seats_to_hold(seating, wanted))
        return await self.hold_picked(user.user_id, seating, self._checked(wanted), key, digest)

    async def hold_picked(
        self, user_id: int, seating: SessionSeating, pick: Pick, key: str | None, digest: str
    ) -> Booking:
        """Holds the seats `pick` chooses in the hold's transaction; a retry under a key
        that answered before gets that answer."""
        try:
            booking = await self._hold(user_id, seating, pick, key, digest)
        except _KeyTaken:
            assert key is not None
            replay = await self._replay(user_id, key, digest)
            if replay is None:
                raise _key_in_flight() from None
            return replay
        HOLDS_CREATED.inc()
        _log_change("held", booking)
        self.on_hold(booking.expires_at.timestamp())
        return booking

    def _checked(self, wanted: Sequence[int]) -> Pick:
        """Picks the seats asked for, refusing them if they would strand a seat."""

        async def pick(repo: BookingRepository, seating: SessionSeating) -> Sequence[int]:
            if self.seat_rules.orphans_refused(seating, self.clock()):
                taken = await self.taken_locked(repo, seating.session_id)
                if taken.isdisjoint(wanted):
                    require_no_orphan(seating, taken, wanted, taking=True)
            return wanted

        return pick

    @staticmethod
    async def taken_locked(repo: BookingRepository, session_id: int) -> frozenset[int]:
        """Takes the session's seat-rule lock, then reads its held and sold seats."""
        await repo.lock_session_seats(session_id)
        state = await repo.seat_map_state(session_id)
        return state.held | state.booked

    async def _hold(
        self,
        user_id: int,
        seating: SessionSeating,
        pick: Pick,
        key: str | None,
        digest: str,
    ) -> Booking:
        async with self.database.begin() as db:
            repo = BookingRepository(db)
            wanted = sorted(await pick(repo, seating))
            seats = seats_to_hold(seating, wanted)
            held = await repo.hold(
                user_id=user_id,
                seating=seating,
                seats=seats,
                hold=self.hold_period,
                max_held=self.max_seats_per_user,
                idempotency_key=key,
                request_hash=digest,
            )
            if held is None:
                raise _KeyTaken
            if isinstance(held, SeatsTaken):
                taken = held.seat_ids  # nothing written: the block commits, it does not roll back
            else:
                if not held.within_limit:
                    HOLDS_LIMITED.inc()
                    raise hold_limit(self.max_seats_per_user)
                if held.version is None:
                    raise _seats_taken(set(wanted) - held.claimed)
                if held.version.session_cancelled:
                    raise Conflict("the session is cancelled", code="session_cancelled")
                ordered = sorted(seats, key=lambda s: (s.row, s.number, s.seat_id))
                booking = replace(held.booking, seats=tuple(ordered))
                await self.events.add_and_commit(
                    db, Topic.BOOKING_CREATED, [Change(booking, held.version.version)]
                )
                return replace(booking, seat_map_version=held.version.version)
        raise _seats_taken(taken)

    async def _replay(self, user_id: int, key: str, digest: str) -> Booking | None:
        """The booking an earlier request with this key made, if the request was the same."""
        async with reading(self.database) as db:
            repo = BookingRepository(db)
            found = await repo.find_by_idempotency_key(user_id, key)
            if found is None:
                return None
            booking_id, stored_digest = found
            if stored_digest != digest:
                raise idempotency_key_reused()
            return await repo.get(booking_id)

    # -- owner actions -------------------------------------------------------------------------

    async def confirm(
        self, caller: Caller | None, raw_id: str, idempotency_key: str = ""
    ) -> Booking:
        """Records payment of the caller's hold, if neither it has expired nor its session
        started by the database clock. A retry under the key of one that did answers as it did."""
        user = signed_in(caller, "sign in to book seats")
        if self.payment_required:
            raise payment_required()
        booking_id = parse_booking_id(raw_id)
        keyed = keyed_request(user.user_id, idempotency_key, booking_id, Action.CONFIRM)
        try:
            async with self.database.begin() as db:
                repo = BookingRepository(db)
                confirmed = await repo.confirm(booking_id, user.user_id)
                if confirmed is None:
                    state = await repo.state(booking_id)
                    if state is None or state.user_id != user.user_id:
                        raise booking_not_found(raw_id)
                    raise refuse_confirm(state)
                await self.remember_answer(repo, keyed, confirmed.booking)
                await self.events.add(db, Topic.BOOKING_CONFIRMED, [confirmed])
        except (Conflict, NotFound) as refused:
            return await self.replay_refused(keyed, refused)
        CONFIRMATIONS.inc()
        _log_change("confirmed", confirmed.booking)
        return replace(confirmed.booking, seat_map_version=confirmed.seat_map_version)

    async def extend(self, caller: Caller | None, raw_id: str) -> Booking:
        """Moves the deadline of the caller's pending hold BOOKING_EXTEND_SECONDS later, at most
        BOOKING_MAX_EXTENSIONS times; the seats stay held, the event tells the live feed and
        the reminders. The expirer needs no news: a later deadline only makes it find nothing
        due when it wakes, and it then plans its next sleep anew."""
        user = signed_in(caller, "sign in to book seats")
        booking_id = parse_booking_id(raw_id)
        async with self.database.begin() as db:
            repo = BookingRepository(db)
            extended = await repo.extend(
                booking_id, user.user_id, by=self.extension, max_extensions=self.max_extensions
            )
            if extended is None:
                state = await repo.state(booking_id)
                if state is None or state.user_id != user.user_id:
                    raise booking_not_found(raw_id)
                raise refuse_extend(state, self.max_extensions)
            await self.events.add(
                db, Topic.BOOKING_CREATED, [extended], event_type=EventType.BOOKING_EXTENDED
            )
        _log_change("extended", extended.booking)
        return replace(extended.booking, seat_map_version=extended.seat_map_version)

    async def cancel(
        self, caller: Caller | None, raw_id: str, idempotency_key: str = ""
    ) -> Booking:
        """Cancels the caller's live booking (an admin: anyone's); its seats are free at once.
        A retry under the key of one that did answers as it did.

        A customer's paid booking can be cancelled only until the cutoff before its session
        starts, by the session start the booking row holds (kept current by SessionChanged)
        and the database clock, in the cancelling statement itself; an admin's whenever."""
        user = signed_in(caller, "sign in to book seats")
        booking_id = parse_booking_id(raw_id)
        keyed = keyed_request(user.user_id, idempotency_key, booking_id, Action.CANCEL)
        cutoff = None if user.is_admin else self.cancel_cutoff
        try:
            async with self.database.begin() as db:
                repo = BookingRepository(db)
                changes = await repo.end_own(booking_id, user.user_id, cutoff=cutoff)
                if not changes:
                    state = await repo.state(booking_id)
                    if state is None or (state.user_id != user.user_id and not user.is_admin):
                        raise booking_not_found(raw_id)
                    raise refuse_cancel(state, cutoff)
                (change,) = changes
                await self.remember_answer(repo, keyed, change.booking)
                ended = await self._announce_ended(db, changes)
        except (Conflict, NotFound) as refused:
            return await self.replay_refused(keyed, refused)
        _count_ended(ended)
        _log_change("cancelled", change.booking)
        self.on_seats_freed([change.booking.session_id])
        return replace(change.booking, seat_map_version=change.seat_map_version)

    async def remember_answer(
        self, repo: BookingRepository, keyed: KeyedRequest | None, booking: Booking
    ) -> None:
        """Keeps the answer under the request's key, in the change's transaction; a key taken
        meanwhile refuses the change (the caller then replays what the key answered)."""
        if keyed is not None and not await repo.remember(keyed, booking):
            raise _key_in_flight()

    async def replay_refused(self, keyed: KeyedRequest | None, refused: Exception) -> Booking:
        """A refused change under a key is a retry when the key answered before: that answer
        (or 422 if the key asked for something else); otherwise the refusal stands."""
        if keyed is not None:
            async with reading(self.database) as db:
                answered = await BookingRepository(db).answered(keyed.user_id, keyed.key)
            if answered is not None:
                return replay(answered, keyed)
        raise refused

    async def _announce_ended(
        self, db: AsyncConnection, changes: Sequence[Change]
    ) -> list[Booking]:
        """Queues the booking.cancelled events of bookings the repository just ended (their
        seats are free), in the caller's transaction; returns the bookings."""
        await self.events.add(db, Topic.BOOKING_CANCELLED, changes)
        return [change.booking for change in changes]

    # -- time-driven ---------------------------------------------------------------------------

    async def expire_due(self, limit: int = BATCH_SIZE) -> int:
        """Expires every hold past its deadline; returns how many.

        EXPIRY_SHARES transactions run at once, each over its own sessions, so they never
        wait for each other's seat-map version rows; each takes up to `limit` holds at a
        time until its share is done. Several replicas share the work through SKIP LOCKED.
        """
        shares = Share.split(EXPIRY_SHARES)
        return sum(await asyncio.gather(*(self._expire_share(share, limit) for share in shares)))

    async def _expire_share(self, share: Share, limit: int) -> int:
        total = 0
        while (done := await self._expire_batch(share, limit)) >= limit:
            total += done
        return total + done

    async def _expire_batch(self, share: Share, limit: int) -> int:
        async with self.database.begin() as db:
            changes = await BookingRepository(db).expire_due(limit, share)
            expired = await self._announce_ended(db, changes)
        _count_ended(expired)
        for booking in expired:
            EXPIRY_LAG.observe((booking.updated_at - booking.expires_at).total_seconds())
        self.on_seats_freed({booking.session_id for booking in expired})
        return len(expired)

    async def finish_due(self, limit: int = BATCH_SIZE) -> int:
        """Bookings of sessions that are over: confirmed -> finished, pending -> expired."""
        async with self.database.begin() as db:
            finished = await BookingRepository(db).finish_due(limit)
        async with self.database.begin() as db:
            changes = await BookingRepository(db).expire_past_sessions(limit)
            expired = await self._announce_ended(db, changes)
        _count_ended(expired)
        return finished + len(expired)

    async def seconds_until_next_hold_deadline(self) -> float | None:
        async with reading(self.database) as db:
            return await BookingRepository(db).seconds_until_next_hold_deadline()

    async def seconds_until_next_session_end(self) -> float | None:
        async with reading(self.database) as db:
            return await BookingRepository(db).seconds_until_next_session_end()

    async def purge_idempotency_keys(self) -> int:
        """Forgets Idempotency-Keys older than their lifetime; returns how many."""
        async with self.database.begin() as db:
            purged = await BookingRepository(db).purge(IDEMPOTENCY_KEY_LIFETIME)
        if purged:
            log.info("forgot %d idempotency keys older than 24 h", purged)
        return purged

    # -- session changes -----------------------------------------------------------------------

    async def apply_session_update(self, update: SessionUpdate) -> int:
        """Follows a change of a session in cinema_svc; returns how many bookings it cancelled."""
        self.seating.invalidate(update.session_id)
        if update.cancelled:
            return await self.cancel_session(update.session_id)
        async with self.database.begin() as db:
            repo = BookingRepository(db)
            await repo.set_session_cancelled(update.session_id, False)
            await repo.move_session(update.session_id, update.starts_at, update.ends_at)
        self.on_seats_freed([update.session_id])
        return 0

    async def cancel_session(self, session_id: int) -> int:
        """Cancels every live booking of a cancelled session (paid ones are refunded).

        First the cancellation is recorded on the session's version row, so a hold that read a
        stale cache and commits later fails; then every live booking is cancelled. Idempotent.
        """
        async with self.database.begin() as db:
            await BookingRepository(db).set_session_cancelled(session_id, True)
        async with self.database.begin() as db:
            changes = await BookingRepository(db).end_session(session_id)
            cancelled = await self._announce_ended(db, changes)
        _count_ended(cancelled)
        self.on_seats_freed([session_id])
        return len(cancelled)

    # -- reads ---------------------------------------------------------------------------------

    async def get(self, caller: Caller | None, raw_id: str) -> Booking:
        user = signed_in(caller, "sign in to book seats")
        booking_id = parse_booking_id(raw_id)
        async with reading(self.database) as db:
            booking = await BookingRepository(db).get(booking_id)
        if booking is None or (booking.user_id != user.user_id and not user.is_admin):
            raise booking_not_found(raw_id)
        return booking

    async def list(
        self, caller: Caller | None, *, page: int, page_size: int, mine_only: bool
    ) -> tuple[list[Booking], int]:
        """The caller's bookings (an admin's: everyone's unless `mine_only`), newest first."""
        user = signed_in(caller, "sign in to book seats")
        owner = None if user.is_admin and not mine_only else user.user_id
        async with reading(self.database) as db:
            return await BookingRepository(db).list(
                owner, offset=(page - 1) * page_size, limit=page_size
            )

    async def summaries(self, session_ids: Sequence[int]) -> Sequence[SessionSummary]:
        """Hall, free seats and lowest price of each known session: the seating from the
        cache (concurrently), the taken seats of all of them from one statement."""
        wanted = list(dict.fromkeys(session_ids))
        if len(wanted) > MAX_SESSIONS:
            raise InvalidArgument(
                f"at most {MAX_SESSIONS} sessions at a time", code="too_many_sessions"
            )
        seatings = await asyncio.gather(*(self.seating.get(id_) for id_ in wanted))
        known = [seating for seating in seatings if seating is not None]
        if not known:
            return []
        async with reading(self.database) as db:
            taken = await BookingRepository(db).taken_seats([s.session_id for s in known])
        return [summarize(seating, taken.get(seating.session_id, ())) for seating in known]

    async def seat_map(self, session_id: int) -> tuple[SessionSeating, SeatMapState]:
        seating = await self.seating.get(session_id)
        if seating is None:
            raise session_not_found(session_id)
        async with reading(self.database) as db:
            state = await BookingRepository(db).seat_map_state(session_id)
        return seating, state
