"""Seat selection use cases: the best seats for a party, holding them, and giving back some
seats of a booking (a partial cancellation). The rules are booking_svc.selection and
booking_svc.seat_rules; the holding and the answers under a key are BookingService's."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace

from booking_svc.domain import (
    LIVE,
    Booking,
    Reason,
    Release,
    SessionSeating,
    booking_not_found,
    keyed_request,
    parse_booking_id,
    refuse_cancel,
    replay,
    require_bookable,
    validate_idempotency_key,
    validate_seat_selection,
)
from booking_svc.repository import BookingRepository
from booking_svc.seat_rules import (
    no_adjacent_seats,
    require_companions_beside_wheelchairs,
    require_no_orphan,
)
from booking_svc.selection import CHOOSABLE_TYPES, Group, Wish, best_group, best_split
from booking_svc.service import CANCELLATIONS, BookingService, Pick
from svckit.db import reading
from svckit.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from svckit.identity import Caller, signed_in
from svckit.vocabulary import Topic

log = logging.getLogger(__name__)

BEST_AVAILABLE_ATTEMPTS = 3
"""How often a best-available hold picks again when a seat it chose was taken meanwhile."""
MAX_RELEASED_SEATS = 100


def _validate_wish(wish: Wish, max_seats: int) -> Wish:
    if wish.count < 1:
        raise InvalidArgument("ask for at least one seat", code="no_seats")
    if wish.count > max_seats:
        raise InvalidArgument(
            f"at most {max_seats} seats per booking",
            code="too_many_seats",
            details={"max_seats": max_seats},
        )
    if wish.seat_type and wish.seat_type not in CHOOSABLE_TYPES:
        raise InvalidArgument(
            f"best available picks seats of type {' or '.join(CHOOSABLE_TYPES)}",
            code="invalid_seat_type",
        )
    return wish


def _wish_hash(session_id: int, wish: Wish) -> str:
    """What an idempotent retry of a best-available hold must repeat exactly."""
    body = f"{session_id}:best:{wish.count}:{wish.seat_type or ''}:{wish.accessible}"
    return hashlib.sha256(body.encode()).hexdigest()


class SeatChoice:
    """Best available and partial cancellation, on top of the booking service."""

    def __init__(self, bookings: BookingService) -> None:
        self.bookings = bookings

    def _best(self, seating: SessionSeating, taken: frozenset[int], wish: Wish) -> Group:
        """The best group for the wish, or 409 no_adjacent_seats with the best split."""
        allow_orphans = not self.bookings.seat_rules.orphans_refused(seating, self.bookings.clock())
        seats = list(seating.seats.values())
        group = best_group(seats, taken, wish, allow_orphans=allow_orphans)
        if group is None:
            split = best_split(seats, taken, wish, allow_orphans=allow_orphans)
            raise no_adjacent_seats(wish.count, split)
        return group

    async def best_seats(self, session_id: int, wish: Wish) -> Group:
        """The best adjacent free seats for the wish now (nothing is held)."""
        _validate_wish(wish, self.bookings.max_seats)
        seating, state = await self.bookings.seat_map(session_id)
        require_bookable(seating, session_id, self.bookings.clock())
        return self._best(seating, state.held | state.booked, wish)

    async def hold_best(
        self, caller: Caller | None, session_id: int, wish: Wish, idempotency_key: str = ""
    ) -> Booking:
        """Holds the best seats for the wish, chosen under the session's seat-rule lock; if
        a seat was taken meanwhile by a hold that does not take the lock, picks again."""
        user = signed_in(caller, "sign in to book seats")
        _validate_wish(wish, self.bookings.max_seats)
        key = validate_idempotency_key(idempotency_key)
        digest = _wish_hash(session_id, wish)
        seating = require_bookable(
            await self.bookings.seating.get(session_id), session_id, self.bookings.clock()
        )
        pick = self._picker(wish)
        for attempt in range(1, BEST_AVAILABLE_ATTEMPTS + 1):
            try:
                return await self.bookings.hold_picked(user.user_id, seating, pick, key, digest)
            except AlreadyExists as taken:
                if taken.code != "seats_taken" or attempt == BEST_AVAILABLE_ATTEMPTS:
                    raise
                log.info("best available: a chosen seat was taken meanwhile; picking again")
        raise AssertionError("unreachable")

    def _picker(self, wish: Wish) -> Pick:
        async def pick(repo: BookingRepository, seating: SessionSeating) -> Sequence[int]:
            taken = await BookingService.taken_locked(repo, seating.session_id)
            return self._best(seating, taken, wish).seat_ids

        return pick

    async def release(
        self, caller: Caller | None, raw_id: str, seat_ids: Sequence[int], idempotency_key: str = ""
    ) -> Booking:
        """Gives back some seats of the caller's live booking (an admin: anyone's), which goes
        on with the others; refused when it would leave the booking empty, a companion seat
        without its wheelchair place, or (while the orphan rule applies) a seat stranded."""
        user = signed_in(caller, "sign in to book seats")
        booking_id = parse_booking_id(raw_id)
        wanted = validate_seat_selection(seat_ids, MAX_RELEASED_SEATS)
        keyed = keyed_request(user.user_id, idempotency_key, booking_id, Release.SEATS)
        cutoff = None if user.is_admin else self.bookings.cancel_cutoff
        service = self.bookings
        try:
            async with reading(service.database) as db:
                repo = BookingRepository(db)
                answered = None if keyed is None else await repo.answered(user.user_id, keyed.key)
                found = await repo.get(booking_id)
            if answered is not None and keyed is not None:
                return replay(answered, keyed)
            if found is None or (found.user_id != user.user_id and not user.is_admin):
                raise booking_not_found(raw_id)
            seating = await service.seating.get(found.session_id)
            async with service.database.begin() as db:
                repo = BookingRepository(db)
                await repo.lock_session_seats(found.session_id)
                locked = await repo.lock_own(booking_id, user.user_id, cutoff=cutoff)
                state = await repo.state(booking_id)
                if state is None:
                    raise booking_not_found(raw_id)
                if not locked or state.status not in LIVE:
                    raise refuse_cancel(state, cutoff)
                booking = await repo.get(booking_id)
                taken = await repo.seat_map_state(found.session_id)
                assert booking is not None
                self._check_release(booking, seating, wanted, taken.held | taken.booked)
                change = await repo.release(booking, wanted)
                kept = await repo.get(booking_id)
                assert kept is not None
                await service.remember_answer(repo, keyed, kept)
                announced = replace(change.booking, reason=Reason.SEATS_RELEASED.value)
                await service.events.add(
                    db, Topic.BOOKING_CANCELLED, [replace(change, booking=announced)]
                )
        except (Conflict, NotFound) as refused:
            return await service.replay_refused(keyed, refused)
        service.on_seats_freed([found.session_id])
        CANCELLATIONS.labels(Reason.SEATS_RELEASED.value).inc()
        log.info("booking %s gave back seats %s", booking_id, list(wanted))
        return replace(kept, seat_map_version=change.seat_map_version)

    def _check_release(
        self,
        booking: Booking,
        seating: SessionSeating | None,
        wanted: Sequence[int],
        taken: frozenset[int],
    ) -> None:
        held = {seat.seat_id for seat in booking.seats}
        foreign = sorted(set(wanted) - held)
        if foreign:
            raise InvalidArgument(
                "some seats are not seats of this booking",
                code="seat_not_in_booking",
                details={"seat_ids": foreign},
            )
        kept = [seat for seat in booking.seats if seat.seat_id not in wanted]
        if not kept:
            raise InvalidArgument(
                "that would leave the booking without seats; cancel the whole booking instead",
                code="booking_would_be_empty",
            )
        require_companions_beside_wheelchairs(kept)
        if seating is not None and self.bookings.seat_rules.orphans_refused(
            seating, self.bookings.clock()
        ):
            require_no_orphan(seating, taken, wanted, taking=False)
