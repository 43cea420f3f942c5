"""Wires booking_svc: its database, its servicer and its background work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

import grpc

from booking_svc.events import BookingEvents
from booking_svc.grpc_api import BookingServiceServicer
from booking_svc.jobs import timers
from booking_svc.models import outbox
from booking_svc.payments.wiring import build_payments
from booking_svc.reports import CinemaSessionMovies, Reports
from booking_svc.seat_rules import SeatRules
from booking_svc.seating import CinemaSeatingProvider, SeatingCache
from booking_svc.service import BookingService
from booking_svc.session_events import SessionEvents
from booking_svc.settings import Settings
from booking_svc.ticket_api import TicketServiceServicer
from booking_svc.ticket_codes import TicketSigner
from booking_svc.tickets import TicketDesk
from booking_svc.waitlist.service import Waitlist
from cinemapb.booking.v1 import (
    booking_pb2,
    booking_pb2_grpc,
    payments_pb2,
    tickets_pb2,
    tickets_pb2_grpc,
)
from cinemapb.cinema.v1 import cinema_pb2_grpc
from svckit.clients import service_channel
from svckit.outbox import OutboxRelay
from svckit.service import migrated_database, run_service, service_names
from svckit.service_identity import ServiceTokens
from svckit.tasks import background
from svckit.vocabulary import Topic


def main() -> None:
    settings = Settings()

    @asynccontextmanager
    async def setup(server: grpc.aio.Server) -> AsyncIterator[Sequence[str]]:
        async with migrated_database("booking_svc", settings.booking_database_url) as engine:
            cinema = service_channel(
                settings.cinema_svc_addr, ServiceTokens("booking_svc", settings)
            )
            cinema_stub = cinema_pb2_grpc.CinemaServiceStub(cinema)
            seating = SeatingCache(CinemaSeatingProvider(cinema_stub))
            signer = TicketSigner(settings.ticket_signing_key())
            events = BookingEvents(settings.topic, signer)
            payments = build_payments(settings, engine, events, server)
            bookings = BookingService(
                engine,
                seating,
                events,
                hold_seconds=settings.booking_hold_seconds,
                max_seats=settings.booking_max_seats,
                max_seats_per_user=settings.booking_max_seats_per_user,
                cancel_cutoff_minutes=settings.booking_cancel_cutoff_minutes,
                payment_required=payments.required,
                seat_rules=SeatRules(
                    no_orphan_seats=settings.booking_no_orphan_seats,
                    orphan_rule_until=timedelta(minutes=settings.booking_orphan_rule_until),
                ),
                extend_seconds=settings.booking_extend_seconds,
                max_extensions=settings.booking_max_extensions,
            )
            reports = Reports(
                engine,
                seating,
                CinemaSessionMovies(cinema_stub),
                ZoneInfo(settings.cinema_timezone),
            )
            waitlist = Waitlist(bookings, hold_seconds=settings.booking_waitlist_hold_seconds)
            bookings.on_seats_freed = waitlist.request_serving
            session_events = SessionEvents(
                bookings,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                topic=settings.topic(Topic.SESSION_CHANGED),
                group=settings.consumer_group("booking_svc.session-changed"),
            )
            relay = OutboxRelay(
                engine,
                settings.booking_database_url,
                outbox,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                source="booking_svc",
            )
            booking_pb2_grpc.add_BookingServiceServicer_to_server(
                BookingServiceServicer(bookings, reports, waitlist), server
            )
            tickets_pb2_grpc.add_TicketServiceServicer_to_server(
                TicketServiceServicer(TicketDesk(engine, events, signer), signer), server
            )
            tasks = {
                "outbox-relay": relay.run,
                **timers(bookings, settings.booking_database_url, relay),
                **waitlist.tasks(),
                "session-events": session_events.run_durable,
                "seating-invalidation": session_events.run_broadcast,
                **payments.tasks,
            }
            try:
                async with background(tasks):
                    yield [
                        *service_names(booking_pb2),
                        *service_names(tickets_pb2),
                        *service_names(payments_pb2),
                    ]
            finally:
                await payments.close()
                await asyncio.to_thread(relay.close)
                await cinema.close(grace=None)

    run_service("booking_svc", settings, setup, workers=settings.booking_svc_workers)
