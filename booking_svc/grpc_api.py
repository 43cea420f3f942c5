"""BookingService over gRPC: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.settings import Settings
from cinemapb.booking.v1 import booking_pb2_grpc


class BookingServiceServicer(booking_pb2_grpc.BookingServiceServicer):
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
