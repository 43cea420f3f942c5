"""CinemaService over gRPC: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from cinema_svc.settings import Settings
from cinemapb.cinema.v1 import cinema_pb2_grpc


class CinemaServiceServicer(cinema_pb2_grpc.CinemaServiceServicer):
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
