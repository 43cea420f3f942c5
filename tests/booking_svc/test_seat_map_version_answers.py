"""Each answer to a change of seats names the seat-map version that change made (the gateway
hands it to the client, which then never reads an older map); a replayed answer names none."""

from __future__ import annotations

from booking_svc.choosing import SeatChoice
from booking_svc.convert import booking_pb, waitlist_entry_pb
from booking_svc.selection import Wish
from booking_svc.service import BookingService
from booking_svc.waitlist.rules import EntryStatus
from booking_svc.waitlist.service import Waitlist
from svckit.identity import Caller

ALICE = Caller(1, "user")
SESSION = 1


async def version_now(service: BookingService) -> int:
    _seating, state = await service.seat_map(SESSION)
    return state.version


async def test_holds_confirmations_extensions_and_cancellations_name_their_version(
    service: BookingService,
) -> None:
    held = await service.hold(ALICE, SESSION, [101, 102, 103])
    assert held.seat_map_version == await version_now(service) > 0
    extended = await service.extend(ALICE, str(held.id))
    assert extended.seat_map_version == held.seat_map_version + 1
    released = await SeatChoice(service).release(ALICE, str(held.id), [103])
    assert released.seat_map_version == extended.seat_map_version + 1
    confirmed = await service.confirm(ALICE, str(held.id))
    assert confirmed.seat_map_version == released.seat_map_version + 1
    cancelled = await service.cancel(ALICE, str(held.id))
    assert cancelled.seat_map_version == confirmed.seat_map_version + 1
    assert cancelled.seat_map_version == await version_now(service)
    assert booking_pb(cancelled, 1).seat_map_version == cancelled.seat_map_version


async def test_a_best_available_hold_names_its_version_and_a_replay_none(
    service: BookingService,
) -> None:
    best = await SeatChoice(service).hold_best(ALICE, SESSION, Wish(2), "key-1")
    assert best.seat_map_version == await version_now(service)
    replayed = await SeatChoice(service).hold_best(ALICE, SESSION, Wish(2), "key-1")
    assert replayed.id == best.id
    assert replayed.seat_map_version == 0
    assert (await service.get(ALICE, str(best.id))).seat_map_version == 0


async def test_a_waiting_list_join_served_at_once_names_its_holds_version(
    service: BookingService,
) -> None:
    waitlist = Waitlist(service, hold_seconds=600)
    served = await waitlist.join(ALICE, SESSION, 2, True)
    assert served.status == EntryStatus.SERVED
    assert served.seat_map_version == await version_now(service) > 0
    assert waitlist_entry_pb(served).seat_map_version == served.seat_map_version


async def test_a_waiting_list_join_that_waits_names_no_version(service: BookingService) -> None:
    for index, seats in enumerate(([101, 102, 103, 104], [105, 106, 107, 108], [109, 110])):
        await service.hold(Caller(100 + index, "user"), SESSION, seats)
    waiting = await Waitlist(service, hold_seconds=600).join(ALICE, SESSION, 1, False)
    assert waiting.status == EntryStatus.WAITING
    assert waiting.seat_map_version == 0
