"""Makes one hold with tracing on and prints every finished span as JSON lines.

Run as its own process (`python -m tests.tracing.traced_hold`): installing a tracer provider
and the instrumentations cannot be undone, so the test process itself stays untraced.
The pieces run here as they do in their processes: the gateway app (its HTTP route and gRPC
client), booking_svc's gRPC server and engine on a database of its own, its outbox relay, the
gateway's live feed and the notifications' consumer, the last two fed the relayed records.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import Any

import grpc
import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text

from booking_svc.grpc_api import BookingServiceServicer
from booking_svc.waitlist.service import Waitlist
from cinemapb.booking.v1 import booking_pb2_grpc
from cinemapb.events.v1 import events_pb2
from gateway.app import create_app
from gateway.clients import ServiceClients
from gateway.live.consumer import BookingEventFeed
from gateway.live.hub import Snapshots
from gateway.live.protocol import Change, Snapshot
from gateway.live.seatmaps import SeatMapStore
from gateway.ratelimit import Limiter
from gateway.revocation import TokenVersions, Version
from gateway.settings import GatewaySettings
from svckit.grpc_server import interceptors
from svckit.identity import Caller
from svckit.settings import JwtSettings
from svckit.tokens import issue_access_token
from svckit.tracing import install_tracing
from svckit.vocabulary import BOOKING_TOPICS, Topic
from tests.booking_svc.conftest import reports_of
from tests.gateway.fakes import FakeCache, UnreachableRedis
from tests.tracing.scenario import (
    JWT_SECRET,
    KAFKA,
    CapturingKafka,
    booking_database,
    booking_service,
    relay_to,
)
from user_svc.notifications.consumer import BookingEventConsumer

USER_ID = 7


class WatchedHub:
    """The live hub with a watcher on every session; keeps what it is handed."""

    def __init__(self) -> None:
        self.changes: list[Change] = []

    def watchers(self, _session_id: int) -> int:
        return 1

    def publish(self, changes: Iterable[Change]) -> None:
        self.changes.extend(changes)


async def no_snapshot(session_id: int) -> Snapshot:
    raise AssertionError(f"no seat map of session {session_id} is read here")


async def known_version(_user_id: int) -> Version:
    return Version(0)


async def notified(_topic: Topic, _event: events_pb2.BookingEvent, _ce_id: str) -> None:
    """Stands in for the notification handler: one span of its own, in the current trace."""
    with trace.get_tracer(__name__).start_as_current_span("notify"):
        pass


def gateway_app(settings: GatewaySettings) -> Any:
    """The gateway with real service clients and what else its lifespan sets up, faked."""
    app = create_app(settings)
    app.state.settings = settings
    app.state.clients = ServiceClients.connect(settings)
    app.state.cache = FakeCache()
    app.state.limiter = Limiter(UnreachableRedis())  # type: ignore[arg-type]
    app.state.token_versions = TokenVersions(known_version)
    return app


async def hold_and_deliver() -> dict[str, Any]:
    """Holds a seat through the gateway, relays the event and hands it to both consumers."""
    engine = booking_database("tracing_hold")
    server = grpc.aio.server(interceptors=interceptors(JwtSettings(jwt_secret=JWT_SECRET)))
    bookings = booking_service(engine)
    booking_pb2_grpc.add_BookingServiceServicer_to_server(
        BookingServiceServicer(
            bookings, reports_of(bookings), Waitlist(bookings, hold_seconds=600)
        ),
        server,
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    settings = GatewaySettings(
        jwt_secret=JWT_SECRET,
        booking_svc_addr=f"127.0.0.1:{port}",
        kafka_topic_prefix=KAFKA.kafka_topic_prefix,
    )
    app = gateway_app(settings)
    token = issue_access_token(
        Caller(USER_ID, "user"), secret=JWT_SECRET, algorithm="HS256", ttl_seconds=600
    )
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            response = await client.post(
                "/api/bookings",
                json={"session_id": 1, "seats_id": [101]},
                headers={"Authorization": f"Bearer {token}"},
            )
        response.raise_for_status()
        async with engine.connect() as conn:
            stored = await conn.scalar(text("SELECT traceparent FROM outbox"))
        kafka = CapturingKafka()
        await relay_to(kafka, engine).publish_batch()
        hub = WatchedHub()
        seat_maps = SeatMapStore(Snapshots(no_snapshot), asyncio.Event())
        feed = BookingEventFeed(hub, settings, seat_maps)  # type: ignore[arg-type]
        feed.hand_over(kafka.records)  # type: ignore[arg-type]
        notifications = BookingEventConsumer(
            notified,
            bootstrap_servers="unused",
            topics={settings.topic(topic): topic for topic in BOOKING_TOPICS},
            group="unused",
        )
        for record in kafka.records:
            await notifications._handle(record)  # type: ignore[arg-type]
    finally:
        await app.state.clients.close()
        await server.stop(None)
        await engine.dispose()
    return {
        "stored_traceparent": stored,
        "headers": [dict(record.headers()) for record in kafka.records],
        "live_changes": len(hub.changes),
    }


def main() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    install_tracing(provider)
    outcome = asyncio.run(hold_and_deliver())
    spans = [
        {
            "name": span.name,
            "kind": span.kind.name,
            "trace_id": f"{span.context.trace_id:032x}",
            "span_id": f"{span.context.span_id:016x}",
            "parent_id": f"{span.parent.span_id:016x}" if span.parent else None,
        }
        for span in exporter.get_finished_spans()
    ]
    outcome["headers"] = [
        {name: value.decode() for name, value in headers.items()} for headers in outcome["headers"]
    ]
    print(json.dumps(outcome | {"spans": spans}))


if __name__ == "__main__":
    main()
