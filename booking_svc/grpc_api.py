"""BookingService over gRPC: protobuf in, use cases, protobuf out."""

from __future__ import annotations

from typing import Any

import grpc

from booking_svc.convert import booking_pb, seat_map_pb, summaries_pb
from booking_svc.service import BookingService
from cinemapb.booking.v1 import booking_pb2, booking_pb2_grpc
from cinemapb.booking.v1.booking_pb2 import (
    CancelBookingRequest,
    ConfirmBookingRequest,
    CreateBookingRequest,
    GetBookingRequest,
    GetSeatMapRequest,
    ListBookingsRequest,
    ListBookingsResponse,
    SeatMap,
    SessionSummaries,
    SummarizeSessionsRequest,
)
from svckit.errors import InvalidArgument
from svckit.identity import current_caller

Context = grpc.aio.ServicerContext[Any, Any]
BookingReply = booking_pb2.Booking
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_of(request: ListBookingsRequest) -> tuple[int, int]:
    """Page and page size; zero means the default."""
    page = request.page or 1
    page_size = request.page_size or DEFAULT_PAGE_SIZE
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidArgument(
            f"page must be >= 1 and page_size between 1 and {MAX_PAGE_SIZE}",
            code="invalid_page",
        )
    return page, page_size


class BookingServiceServicer(booking_pb2_grpc.BookingServiceServicer):
    def __init__(self, bookings: BookingService) -> None:
        self.bookings = bookings

    async def CreateBooking(self, request: CreateBookingRequest, context: Context) -> BookingReply:
        booking = await self.bookings.hold(
            current_caller(),
            request.session_id,
            list(request.seat_ids),
            request.idempotency_key,
        )
        return booking_pb(booking)

    async def GetBooking(self, request: GetBookingRequest, context: Context) -> BookingReply:
        return booking_pb(await self.bookings.get(current_caller(), request.id))

    async def ListBookings(
        self, request: ListBookingsRequest, context: Context
    ) -> ListBookingsResponse:
        page, page_size = page_of(request)
        items, total = await self.bookings.list(
            current_caller(),
            page=page,
            page_size=page_size,
            mine_only=request.mine_only,
        )
        return ListBookingsResponse(items=[booking_pb(booking) for booking in items], total=total)

    async def ConfirmBooking(
        self, request: ConfirmBookingRequest, context: Context
    ) -> BookingReply:
        caller = current_caller()
        return booking_pb(await self.bookings.confirm(caller, request.id, request.idempotency_key))

    async def CancelBooking(self, request: CancelBookingRequest, context: Context) -> BookingReply:
        caller = current_caller()
        return booking_pb(await self.bookings.cancel(caller, request.id, request.idempotency_key))

    async def GetSeatMap(self, request: GetSeatMapRequest, context: Context) -> SeatMap:
        return seat_map_pb(*await self.bookings.seat_map(request.session_id))

    async def SummarizeSessions(
        self, request: SummarizeSessionsRequest, context: Context
    ) -> SessionSummaries:
        return summaries_pb(await self.bookings.summaries(list(request.session_ids)))
