"""MovieService over gRPC: protobuf in, domain calls, protobuf out."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from cinemapb.movie.v1 import movie_pb2_grpc
from movie_svc.settings import Settings


class MovieServiceServicer(movie_pb2_grpc.MovieServiceServicer):
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
