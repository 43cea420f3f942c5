"""Asks movie_svc whether a movie exists before a session may show it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import grpc

from cinemapb.movie.v1 import movie_pb2
from svckit.errors import ServiceError
from svckit.identity import call_metadata
from svckit.logging import request_id_var

if TYPE_CHECKING:
    from cinemapb.movie.v1.movie_pb2_grpc import MovieServiceAsyncStub

LOOKUP_TIMEOUT_SECONDS = 5.0


class MovieServiceUnavailable(ServiceError):
    status = grpc.StatusCode.UNAVAILABLE
    default_code = "service_unavailable"


class MovieCatalogue(Protocol):
    async def exists(self, movie_id: int) -> bool: ...


class GrpcMovieCatalogue:
    """MovieCatalogue backed by MovieService.GetMovie."""

    def __init__(self, stub: MovieServiceAsyncStub) -> None:
        self.stub = stub

    async def exists(self, movie_id: int) -> bool:
        try:
            await self.stub.GetMovie(
                movie_pb2.GetMovieRequest(id=movie_id),
                metadata=call_metadata(None, request_id_var.get()),
                timeout=LOOKUP_TIMEOUT_SECONDS,
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return False
            raise MovieServiceUnavailable(
                f"cannot check the movie: movie_svc answered {error.code().name}"
            ) from error
        return True
