"""Domain errors that cross the gRPC boundary with a stable snake_case code and details."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import grpc

ERROR_CODE_KEY = "error-code"
ERROR_DETAILS_KEY = "error-details"


class ServiceError(Exception):
    """An expected failure a client caused or must know about; never a bug."""

    status: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION
    default_code = "failed_precondition"

    def __init__(
        self, message: str, *, code: str | None = None, details: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = dict(details or {})

    def trailing_metadata(self) -> tuple[tuple[str, str], ...]:
        pairs = [(ERROR_CODE_KEY, self.code)]
        if self.details:
            pairs.append((ERROR_DETAILS_KEY, json.dumps(self.details)))
        return tuple(pairs)


class InvalidArgument(ServiceError):
    status = grpc.StatusCode.INVALID_ARGUMENT
    default_code = "invalid_argument"


class NotFound(ServiceError):
    status = grpc.StatusCode.NOT_FOUND
    default_code = "not_found"


class AlreadyExists(ServiceError):
    status = grpc.StatusCode.ALREADY_EXISTS
    default_code = "already_exists"


class Conflict(ServiceError):
    status = grpc.StatusCode.FAILED_PRECONDITION
    default_code = "conflict"


class PermissionDenied(ServiceError):
    status = grpc.StatusCode.PERMISSION_DENIED
    default_code = "forbidden"


class Unauthenticated(ServiceError):
    status = grpc.StatusCode.UNAUTHENTICATED
    default_code = "unauthenticated"


class TooManyRequests(ServiceError):
    status = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_code = "too_many_requests"


def error_from_trailers(
    metadata: Iterable[Any] | None,
) -> tuple[str, dict[str, object]]:
    """The error code and details a service attached to a failed call ('' and {} if none)."""
    code = ""
    details: dict[str, object] = {}
    for key, value in metadata or ():
        text = value.decode() if isinstance(value, bytes) else value
        if key == ERROR_CODE_KEY:
            code = text
        elif key == ERROR_DETAILS_KEY:
            loaded = json.loads(text)
            if isinstance(loaded, dict):
                details = loaded
    return code, details
