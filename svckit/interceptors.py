"""A base for server interceptors that wrap the handler of every unary call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import grpc

if TYPE_CHECKING:
    ServerInterceptor = grpc.aio.ServerInterceptor[Any, Any]
    MethodHandler = grpc.RpcMethodHandler[Any, Any]
else:
    ServerInterceptor = grpc.aio.ServerInterceptor
    MethodHandler = grpc.RpcMethodHandler

UnaryHandler = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]


class UnaryInterceptor(ServerInterceptor):
    """Wraps each unary call's handler with `wrap`; streaming calls pass through untouched."""

    def wrap(self, inner: UnaryHandler, details: grpc.HandlerCallDetails) -> UnaryHandler:
        raise NotImplementedError

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[MethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> MethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        return grpc.unary_unary_rpc_method_handler(
            self.wrap(cast(UnaryHandler, handler.unary_unary), handler_call_details),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
