"""BookingService over gRPC: protobuf in, use cases, protobuf out."""

from __future__ import annotations

from typing import Any, cast

import grpc

from booking_svc.choosing import SeatChoice
from booking_svc.convert import (
    booked_seats_pb,
    booking_pb,
    sales_row_pb,
    seat_map_pb,
    session_report_pb,
    summaries_pb,
    waitlist_entry_pb,
)
from booking_svc.domain import Booking
from booking_svc.reports import Reports, day_range
from booking_svc.selection import Wish
from booking_svc.service import BookingService
from booking_svc.waitlist.service import Waitlist
from cinemapb.booking.v1 import booking_pb2, booking_pb2_grpc
from cinemapb.booking.v1.booking_pb2 import (
    BestAvailable,
    BestSeats,
    CancelBookingRequest,
    ConfirmBookingRequest,
    CreateBookingRequest,
    ExtendBookingRequest,
    GetBestSeatsRequest,
    GetBookingRequest,
    GetSeatMapRequest,
    JoinWaitlistRequest,
    LeaveWaitlistRequest,
    ListBookingsRequest,
    ListBookingsResponse,
    ListMyWaitlistRequest,
    ListMyWaitlistResponse,
    SeatMap,
    SessionSummaries,
    SummarizeSessionsRequest,
    WaitlistEntry,
)
from svckit.errors import InvalidArgument
from svckit.identity import current_caller, require_service_or_admin, require_staff
from svckit.paging import PageRequest
from svckit.vocabulary import SALES_GROUPING, SEAT_TYPE, SalesGrouping

Context = grpc.aio.ServicerContext[Any, Any]
BookingReply = booking_pb2.Booking
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def page_of(request: ListBookingsRequest | booking_pb2.GetSalesReportRequest) -> tuple[int, int]:
    """Page and page size; zero means the default."""
    page = request.page or 1
    page_size = request.page_size or DEFAULT_PAGE_SIZE
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidArgument(
            f"page must be >= 1 and page_size between 1 and {MAX_PAGE_SIZE}",
            code="invalid_page",
        )
    return page, page_size


def wish_of(best: BestAvailable) -> Wish:
    return Wish(best.count, SEAT_TYPE.label(best.type) if best.type else None, best.accessible)


class BookingServiceServicer(booking_pb2_grpc.BookingServiceServicer):
    def __init__(self, bookings: BookingService, reports: Reports, waitlist: Waitlist) -> None:
        self.bookings = bookings
        self.reports = reports
        self.waitlist = waitlist
        self.choice = SeatChoice(bookings)

    def _reply(self, booking: Booking) -> BookingReply:
        return booking_pb(booking, self.bookings.max_extensions)

    async def CreateBooking(self, request: CreateBookingRequest, context: Context) -> BookingReply:
        if request.HasField("best_available"):
            if request.seat_ids:
                raise InvalidArgument(
                    "give either seat ids or best_available, not both", code="invalid_argument"
                )
            return self._reply(
                await self.choice.hold_best(
                    current_caller(),
                    request.session_id,
                    wish_of(request.best_available),
                    request.idempotency_key,
                )
            )
        booking = await self.bookings.hold(
            current_caller(),
            request.session_id,
            list(request.seat_ids),
            request.idempotency_key,
        )
        return self._reply(booking)

    async def GetBooking(self, request: GetBookingRequest, context: Context) -> BookingReply:
        return self._reply(await self.bookings.get(current_caller(), request.id))

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
        return ListBookingsResponse(items=[self._reply(booking) for booking in items], total=total)

    async def ConfirmBooking(
        self, request: ConfirmBookingRequest, context: Context
    ) -> BookingReply:
        caller = current_caller()
        return self._reply(await self.bookings.confirm(caller, request.id, request.idempotency_key))

    async def CancelBooking(self, request: CancelBookingRequest, context: Context) -> BookingReply:
        caller = current_caller()
        if request.seat_ids:
            released = await self.choice.release(
                caller, request.id, list(request.seat_ids), request.idempotency_key
            )
            return self._reply(released)
        return self._reply(await self.bookings.cancel(caller, request.id, request.idempotency_key))

    async def GetSeatMap(self, request: GetSeatMapRequest, context: Context) -> SeatMap:
        return seat_map_pb(*await self.bookings.seat_map(request.session_id))

    async def SeatsWithLiveBookings(
        self, request: booking_pb2.SeatsWithLiveBookingsRequest, context: Context
    ) -> booking_pb2.SeatsWithLiveBookingsResponse:
        require_service_or_admin()
        booked = await self.reports.seats_booked(list(request.seat_ids))
        return booking_pb2.SeatsWithLiveBookingsResponse(
            sessions=[booked_seats_pb(b) for b in booked]
        )

    async def GetSessionReport(
        self, request: booking_pb2.GetSessionReportRequest, context: Context
    ) -> booking_pb2.SessionReport:
        require_staff(current_caller())
        return session_report_pb(await self.reports.session(request.session_id))

    async def GetSalesReport(
        self, request: booking_pb2.GetSalesReportRequest, context: Context
    ) -> booking_pb2.SalesReport:
        require_staff(current_caller())
        days = day_range(request.from_day, request.to_day, self.reports.zone)
        try:
            group_by = cast(SalesGrouping, SALES_GROUPING.label(request.group_by))
        except ValueError:
            raise InvalidArgument(
                "group_by must be day, movie or session", code="invalid_grouping"
            ) from None
        page, page_size = page_of(request)
        rows, total = await self.reports.sales(days, group_by, PageRequest(page, page_size))
        return booking_pb2.SalesReport(items=[sales_row_pb(row) for row in rows], total=total)

    async def GetBestSeats(self, request: GetBestSeatsRequest, context: Context) -> BestSeats:
        group = await self.choice.best_seats(request.session_id, wish_of(request.wish))
        return BestSeats(
            seat_ids=group.seat_ids, row=group.row, total_price_cents=group.price_cents
        )

    async def ExtendBooking(self, request: ExtendBookingRequest, context: Context) -> BookingReply:
        return self._reply(await self.bookings.extend(current_caller(), request.id))

    async def JoinWaitlist(self, request: JoinWaitlistRequest, context: Context) -> WaitlistEntry:
        entry = await self.waitlist.join(
            current_caller(), request.session_id, request.count, request.together
        )
        return waitlist_entry_pb(entry)

    async def ListMyWaitlist(
        self, request: ListMyWaitlistRequest, context: Context
    ) -> ListMyWaitlistResponse:
        entries = await self.waitlist.mine(current_caller())
        return ListMyWaitlistResponse(items=[waitlist_entry_pb(entry) for entry in entries])

    async def LeaveWaitlist(self, request: LeaveWaitlistRequest, context: Context) -> WaitlistEntry:
        return waitlist_entry_pb(await self.waitlist.leave(current_caller(), request.id))

    async def SummarizeSessions(
        self, request: SummarizeSessionsRequest, context: Context
    ) -> SessionSummaries:
        return summaries_pb(await self.bookings.summaries(list(request.session_ids)))
