"""TicketService over gRPC: protobuf in, ticket use cases, protobuf out."""

from __future__ import annotations

from typing import Any

import grpc

from booking_svc.convert import ticket_pb
from booking_svc.ticket_codes import TicketSigner
from booking_svc.tickets import TicketDesk
from cinemapb.booking.v1 import tickets_pb2, tickets_pb2_grpc
from svckit.identity import current_caller

Context = grpc.aio.ServicerContext[Any, Any]


class TicketServiceServicer(tickets_pb2_grpc.TicketServiceServicer):
    def __init__(self, desk: TicketDesk, signer: TicketSigner) -> None:
        self.desk = desk
        self.signer = signer

    async def ListTickets(
        self, request: tickets_pb2.ListTicketsRequest, context: Context
    ) -> tickets_pb2.ListTicketsResponse:
        tickets = await self.desk.of_booking(current_caller(), request.booking_id)
        return tickets_pb2.ListTicketsResponse(
            items=[ticket_pb(ticket, self.signer) for ticket in tickets]
        )

    async def GetTicket(
        self, request: tickets_pb2.GetTicketRequest, context: Context
    ) -> tickets_pb2.Ticket:
        return ticket_pb(await self.desk.get(current_caller(), request.id), self.signer)

    async def CheckIn(
        self, request: tickets_pb2.CheckInRequest, context: Context
    ) -> tickets_pb2.Ticket:
        ticket = await self.desk.check_in(current_caller(), request.code, request.session_id)
        return ticket_pb(ticket, self.signer)
