"""The seat map of a session: every seat with its price and whether it is free, held or booked.

Answered from the gateway's seat-map store (gateway/live/seatmaps.py), with an ETag.

Read your writes, across replicas: every answer to a change of a session's seats (a hold, a
confirmation, a cancellation, an extension) carries the seat map's version that change made,
in `X-Seat-Map-Version` and in a cookie scoped to that session's seat map. A seat-map read that
brings the cookie back (browsers do) or sends `X-Seat-Map-Min-Version` is answered at that
version or a later one: a replica whose kept map is older asks booking_svc.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Cookie, Depends, Header, Request, Response

from cinemapb.booking.v1 import booking_pb2
from gateway.deps import Settings
from gateway.errors import ApiError
from gateway.live.hub import SessionNotFound
from gateway.live.seatmaps import SEAT_MAP_READS, SeatMapStore
from gateway.openapi import error_responses
from gateway.schemas import MAX_ID, SeatStateOut, SessionId

router = APIRouter(prefix="/api", tags=["seat map"])

VERSION_HEADER = "X-Seat-Map-Version"
MIN_VERSION_HEADER = "X-Seat-Map-Min-Version"
SEEN_COOKIE = "seat_map_seen"
SEEN_MAX_AGE_SECONDS = 3600
"""How long a browser keeps the version of its last change to a session's seats."""


async def get_seat_maps(request: Request) -> SeatMapStore:
    store: SeatMapStore = request.app.state.seat_maps
    return store


SeatMaps = Annotated[SeatMapStore, Depends(get_seat_maps)]
Changed = TypeVar("Changed", booking_pb2.Booking, booking_pb2.WaitlistEntry)
"""An answer that may report a change of a session's seats, and the version it made."""


def seats_changed_responses(status: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry of a route whose answer reports a change of a session's seats."""
    headers = {
        VERSION_HEADER: {
            "description": "the session's seat-map version this change made",
            "schema": {"type": "integer"},
        },
        "Set-Cookie": {
            "description": (
                f"`{SEEN_COOKIE}=<version>` on the session's seat map path: reads of it are "
                "answered at that version or later, on any gateway"
            ),
            "schema": {"type": "string"},
        },
    }
    return {status: {"headers": headers}}


def seat_map_path(session_id: int) -> str:
    return f"/api/sessions/{session_id}/seats"


def seats_changed(request: Request, response: Response, answer: Changed) -> Changed:
    """Tells the client which seat-map version the change `answer` reports made: a header, and
    a cookie its browser sends back with its next reads of that session's seat map (on any
    replica). Nothing when the answer made no change (a replayed retry, a waiting entry)."""
    if answer.seat_map_version > 0:
        response.headers[VERSION_HEADER] = str(answer.seat_map_version)
        response.set_cookie(
            SEEN_COOKIE,
            str(answer.seat_map_version),
            max_age=SEEN_MAX_AGE_SECONDS,
            path=seat_map_path(answer.session_id),
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="lax",
        )
    return answer


def seen_version(cookie: str | None) -> int:
    """The version in a `seat_map_seen` cookie; 0 for none or anything else."""
    if cookie is None or not cookie.isdigit() or len(cookie) > 19:
        return 0
    return int(cookie)


def matches(if_none_match: str | None, etags: Iterable[str]) -> bool:
    """Whether an If-None-Match header names one of `etags` (weak comparison, RFC 9110)."""
    if if_none_match is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or not tags.isdisjoint(etags)


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether the client takes gzip, by the test the app's GZipMiddleware makes (so a body
    the route leaves plain is not compressed after all)."""
    return "gzip" in (accept_encoding or "")


@router.get(
    "/sessions/{session_id}/seats",
    response_model=list[SeatStateOut],
    summary="Every seat of the session's hall with its price and status",
    description=(
        f"The `{VERSION_HEADER}` header carries the seat map's version: it grows with every "
        "committed change to this session's seats (the live feed's events carry it too). "
        "The `ETag` names the version and the content; with `If-None-Match` naming it the "
        "answer is 304 without a body (`Cache-Control: no-cache`: keep it, ask again). "
        "The body is compressed once per version, for every client that accepts gzip. "
        f"A read sending `{MIN_VERSION_HEADER}` (or the `{SEEN_COOKIE}` cookie that answers to "
        "holds, confirmations, cancellations and extensions set) is answered at that version "
        "or later: a client always sees its own changes."
    ),
    responses={
        304: {"description": "the map is still the one `If-None-Match` names"},
        **error_responses("session_not_found"),
    },
)
async def seat_map(
    session_id: SessionId,
    seat_maps: SeatMaps,
    settings: Settings,
    if_none_match: Annotated[
        str | None, Header(description="the ETag of the map the client has")
    ] = None,
    min_version: Annotated[
        int | None,
        Header(
            alias=MIN_VERSION_HEADER,
            ge=0,
            le=MAX_ID,
            description="answer at this seat-map version or later (one a change answered with)",
        ),
    ] = None,
    seen: Annotated[
        str | None,
        Cookie(
            alias=SEEN_COOKIE,
            description="the version the client's last change made (set by those answers)",
        ),
    ] = None,
    accept_encoding: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    try:
        read = await seat_maps.read(session_id, max(min_version or 0, seen_version(seen)))
    except SessionNotFound:
        raise ApiError(404, f"session {session_id} not found", "session_not_found") from None
    rendered = read.seat_map
    gzipped = len(rendered.body) >= settings.gateway_compress_min_bytes and accepts_gzip(
        accept_encoding
    )
    headers = {
        VERSION_HEADER: str(rendered.version),
        "ETag": rendered.gzip_etag if gzipped else rendered.etag,
        "Cache-Control": "no-cache",
    }
    if matches(if_none_match, (rendered.etag, rendered.gzip_etag)):
        SEAT_MAP_READS.labels("not_modified").inc()
        return Response(status_code=304, headers=headers | {"Vary": "Accept-Encoding"})
    SEAT_MAP_READS.labels("loaded" if read.loaded else "memory").inc()
    if not gzipped:  # GZipMiddleware adds Vary to a body of the size it would compress
        return Response(rendered.body, media_type="application/json", headers=headers)
    body = rendered.gzipped(settings.gateway_compress_level)
    headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(body, media_type="application/json", headers=headers)
