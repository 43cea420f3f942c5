"""Concurrent creates cannot double-book a hall: the exclusion constraint decides."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from cinema_svc.grpc_api import CinemaServiceServicer
from cinemapb.cinema.v1 import cinema_pb2
from svckit.errors import Conflict
from tests.cinema_svc.conftest import ADMIN, ANONYMOUS, Clock, new_hall, session_request


async def test_twenty_concurrent_overlapping_creates_leave_exactly_one_session(
    servicer: CinemaServiceServicer, clock: Clock
) -> None:
    hall = await new_hall(servicer)
    start = clock.now + timedelta(days=1)
    requests = [session_request(hall.id, start + timedelta(minutes=5 * i), 120) for i in range(20)]
    results = await asyncio.gather(
        *(servicer.CreateSession(r, ADMIN) for r in requests), return_exceptions=True
    )
    created = [r for r in results if isinstance(r, cinema_pb2.Session)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(created) == 1
    assert len(refused) == 19
    assert {r.code for r in refused} == {"session_overlap"}
    listed = await servicer.ListSessions(cinema_pb2.ListSessionsRequest(hall_id=hall.id), ANONYMOUS)
    assert [s.id for s in listed.items] == [created[0].id]
