"""Response bodies rendered once from a cached JSON value, byte for byte as FastAPI would.

FastAPI validates a route's return value against its `response_model` and dumps it with the
model's TypeAdapter (`by_alias=True`); a view does the same once per cached entry, and the route
answers with the bytes (its `response_model` stays for the OpenAPI document).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Response
from pydantic import TypeAdapter

from gateway.cache_local import Rendered

Shape = Callable[[Any], tuple[Any, float | None]]
"""A cached value -> what the route answers with it, and the wall-clock second that answer
stops being right (None: it does not depend on the clock)."""


def as_cached(value: Any) -> tuple[Any, float | None]:
    return value, None


class JsonView:
    """One way a route answers with a cached value: its response model and its shape."""

    def __init__(self, name: str, model: Any, shape: Shape = as_cached) -> None:
        self.name = name
        self.shape = shape
        self._adapter: TypeAdapter[Any] = TypeAdapter(model)

    def render(self, value: Any) -> Rendered:
        content, fresh_until = self.shape(value)
        body = self._adapter.dump_json(self._adapter.validate_python(content), by_alias=True)
        return Rendered(body, fresh_until)


def json_response(body: bytes) -> Response:
    return Response(content=body, media_type="application/json")
