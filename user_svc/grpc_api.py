"""UserService over gRPC: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from cinemapb.user.v1 import user_pb2_grpc
from user_svc.settings import Settings


class UserServiceServicer(user_pb2_grpc.UserServiceServicer):
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
