"""Asks booking_svc which seats have live bookings before a hall's layout changes under them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import grpc

from cinemapb.booking.v1 import booking_pb2
from svckit.errors import ServiceError
from svckit.identity import call_metadata
from svckit.logging import request_id_var
from svckit.protoconv import from_timestamp

if TYPE_CHECKING:
    from cinemapb.booking.v1.booking_pb2_grpc import BookingServiceAsyncStub

LOOKUP_TIMEOUT_SECONDS = 5.0


class BookingServiceUnavailable(ServiceError):
    status = grpc.StatusCode.UNAVAILABLE
    default_code = "service_unavailable"


@dataclass(frozen=True)
class BookedSeats:
    """Seats in live bookings of one session that is not over."""

    session_id: int
    starts_at: datetime
    seat_ids: tuple[int, ...]


class LiveBookings(Protocol):
    async def seats_booked(self, seat_ids: Sequence[int]) -> list[BookedSeats]:
        """Of these seats, those in pending or confirmed bookings, by session start."""


class GrpcLiveBookings:
    """LiveBookings backed by BookingService.SeatsWithLiveBookings, as cinema_svc itself."""

    def __init__(self, stub: BookingServiceAsyncStub) -> None:
        self.stub = stub

    async def seats_booked(self, seat_ids: Sequence[int]) -> list[BookedSeats]:
        if not seat_ids:
            return []
        try:
            reply = await self.stub.SeatsWithLiveBookings(
                booking_pb2.SeatsWithLiveBookingsRequest(seat_ids=seat_ids),
                metadata=call_metadata(None, request_id_var.get()),
                timeout=LOOKUP_TIMEOUT_SECONDS,
            )
        except grpc.aio.AioRpcError as error:
            raise BookingServiceUnavailable(
                f"cannot check the seats' bookings: booking_svc answered {error.code().name}"
            ) from error
        return [
            BookedSeats(s.session_id, from_timestamp(s.starts_at), tuple(s.seat_ids))
            for s in reply.sessions
        ]
