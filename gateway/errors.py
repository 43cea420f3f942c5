"""Every error leaves the gateway as {"error": ..., "code": ...}; gRPC statuses map here only."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import grpc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from svckit.errors import error_from_trailers

log = logging.getLogger(__name__)

GRPC_TO_HTTP: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
    grpc.StatusCode.CANCELLED: 503,
}

HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    502: "bad_gateway",
    503: "service_unavailable",
}


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class ApiError(Exception):
    """An error the gateway itself raises, rendered with the contract's body."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or HTTP_CODES.get(status, "error")
        self.headers = headers
        self.details = details


def error_response(
    status: int,
    message: str,
    code: str,
    headers: Mapping[str, str] | None = None,
    details: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body = {"error": message, "code": code, **(details or {})}
    return JSONResponse(body, status, headers=dict(headers) if headers else None)


def from_rpc_error(error: grpc.aio.AioRpcError) -> JSONResponse:
    """Translates a failed gRPC call into the HTTP answer a client should see."""
    status = GRPC_TO_HTTP.get(error.code(), 502)
    code, details = error_from_trailers(error.trailing_metadata())
    if status >= 500:
        log.warning("upstream %s: %s", error.code().name, error.details())
        message = "a service is unavailable, try again shortly" if status == 503 else "bad gateway"
        return error_response(status, message, HTTP_CODES[status])
    message = error.details() or HTTP_CODES[status]
    return error_response(status, message, code or HTTP_CODES[status], details=details)


def describe_validation(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    fields = []
    for err in exc.errors():
        location = [
            str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")
        ]
        fields.append({"field": ".".join(location) or "body", "message": err.get("msg", "")})
    first = fields[0] if fields else {"field": "body", "message": "invalid request"}
    return f"{first['field']}: {first['message']}", fields


def malformed_json(exc: RequestValidationError) -> JSONResponse | None:
    """A body that is not JSON at all, answered with where it breaks (FastAPI reports an offset)."""
    broken = next((err for err in exc.errors() if err.get("type") == "json_invalid"), None)
    if broken is None:
        return None
    document = exc.body if isinstance(exc.body, str) else ""
    offset = broken["loc"][-1] if isinstance(broken["loc"][-1], int) else len(document)
    line = document.count("\n", 0, offset) + 1
    column = offset - document.rfind("\n", 0, offset)
    reason = broken.get("ctx", {}).get("error", "not JSON")
    message = f"invalid JSON at line {line}, column {column}: {reason}"
    return error_response(422, message, "invalid_json", details={"line": line, "column": column})


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this path (Starlette names only the first route's)."""
    return [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.code, exc.headers, exc.details)

    @app.exception_handler(grpc.aio.AioRpcError)
    async def on_rpc_error(_request: Request, exc: grpc.aio.AioRpcError) -> JSONResponse:
        return from_rpc_error(exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        broken = malformed_json(exc)
        if broken is not None:
            return broken
        message, fields = describe_validation(exc)
        return error_response(422, message, "validation_error", details={"fields": fields})

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return error_response(exc.status_code, str(exc.detail), code, headers)

    @app.exception_handler(Exception)
    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected gateway error", exc_info=exc)
        return error_response(500, "internal error", "internal_error")
