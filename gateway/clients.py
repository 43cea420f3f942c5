"""The gateway's gRPC channels and stubs, one channel per service for the app's lifetime."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2_grpc

from cinemapb.booking.v1 import booking_pb2_grpc, payments_pb2_grpc, tickets_pb2_grpc
from cinemapb.cinema.v1 import cinema_pb2_grpc
from cinemapb.movie.v1 import movie_pb2_grpc
from cinemapb.user.v1 import user_pb2_grpc
from gateway.settings import GatewaySettings
from svckit.clients import insecure_channel, insecure_channels


@dataclass
class ServiceClients:
    """Stubs for the four services (booking_svc serves bookings and tickets) plus their health
    endpoints."""

    channels: dict[str, grpc.aio.Channel]
    users: user_pb2_grpc.UserServiceAsyncStub
    movies: movie_pb2_grpc.MovieServiceAsyncStub
    cinema: cinema_pb2_grpc.CinemaServiceAsyncStub
    booking: booking_pb2_grpc.BookingServiceAsyncStub
    tickets: tickets_pb2_grpc.TicketServiceAsyncStub
    payments: payments_pb2_grpc.PaymentServiceAsyncStub
    demo_checkout: payments_pb2_grpc.DemoCheckoutServiceAsyncStub

    @classmethod
    def connect(cls, settings: GatewaySettings) -> ServiceClients:
        channels = {
            "user_svc": insecure_channel(settings.user_svc_addr),
            "movie_svc": insecure_channel(settings.movie_svc_addr),
            "cinema_svc": insecure_channel(settings.cinema_svc_addr),
            "booking_svc": insecure_channels(
                settings.booking_svc_addr, settings.booking_svc_connections
            ),
        }
        return cls(
            channels=channels,
            users=user_pb2_grpc.UserServiceStub(channels["user_svc"]),
            movies=movie_pb2_grpc.MovieServiceStub(channels["movie_svc"]),
            cinema=cinema_pb2_grpc.CinemaServiceStub(channels["cinema_svc"]),
            booking=booking_pb2_grpc.BookingServiceStub(channels["booking_svc"]),
            tickets=tickets_pb2_grpc.TicketServiceStub(channels["booking_svc"]),
            payments=payments_pb2_grpc.PaymentServiceStub(channels["booking_svc"]),
            demo_checkout=payments_pb2_grpc.DemoCheckoutServiceStub(channels["booking_svc"]),
        )

    def health(self, service: str) -> health_pb2_grpc.HealthStub:
        return health_pb2_grpc.HealthStub(self.channels[service])

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close(grace=None)
