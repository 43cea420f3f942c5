"""The seat map of a session: every seat with its price and whether it is free, held or booked.

Answered from the gateway's seat-map store (gateway/live/seatmaps.py), with an ETag. The
hottest read of a presale: `SeatMapReads` answers it in front of FastAPI (see there); the route
below documents it and answers what the fast lane leaves to it.

Read your writes, across replicas: every answer to a change of a session's seats (a hold, a
confirmation, a cancellation, an extension) carries the seat map's version that change made,
in `X-Seat-Map-Version` and in a cookie scoped to that session's seat map. A seat-map read that
brings the cookie back (browsers do) or sends `X-Seat-Map-Min-Version` is answered at that
version or a later one: a replica whose kept map is older asks booking_svc.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, cast

import grpc
from fastapi import APIRouter, Cookie, Depends, Header, Request, Response
from fastapi.routing import APIRoute
from starlette.applications import Starlette
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from cinemapb.booking.v1 import booking_pb2
from gateway.deps import Settings
from gateway.direct import DirectAnswer, header_lines
from gateway.edge import SAFETY_HEADERS
from gateway.errors import ApiError, error_response, from_rpc_error
from gateway.live.hub import SessionNotFound
from gateway.live.seatmaps import SEAT_MAP_READS, RenderedSeatMap, SeatMapStore
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


@dataclass(frozen=True, slots=True)
class SeatMapAnswer:
    """A read's answer: the map's body (gzipped or not), or 304 Not Modified."""

    version: int
    etag: str
    gzipped: bool
    not_modified: bool
    body: bytes

    @property
    def status(self) -> int:
        return 304 if self.not_modified else 200

    def headers(self) -> dict[str, str]:
        return answer_headers(self.version, self.etag, self.gzipped, self.not_modified)


def answer_headers(version: int, etag: str, gzipped: bool, not_modified: bool) -> dict[str, str]:
    """The headers of a seat-map answer, but for its length and type."""
    headers = {
        VERSION_HEADER: str(version),
        "ETag": etag,
        "Cache-Control": "no-cache",
        "Vary": "Accept-Encoding",
    }
    if gzipped and not not_modified:
        headers["Content-Encoding"] = "gzip"
    return headers


READ_FROM_MEMORY, READ_LOADED, READ_NOT_MODIFIED = (
    SEAT_MAP_READS.labels(answer) for answer in ("memory", "loaded", "not_modified")
)


async def answer_seat_map(
    store: SeatMapStore,
    session_id: int,
    *,
    min_version: int,
    if_none_match: str | None,
    accept_encoding: str | None,
    compress_min_bytes: int,
    compress_level: int,
) -> SeatMapAnswer:
    """The answer to a read of the session's map at `min_version` or later: 200 with the body
    (gzipped once per version for a client that takes it) or 304. Raises SessionNotFound."""
    read = await store.read(session_id, min_version)
    return answer_rendering(
        read.seat_map,
        read.loaded,
        if_none_match=if_none_match,
        accept_encoding=accept_encoding,
        compress_min_bytes=compress_min_bytes,
        compress_level=compress_level,
    )


def answer_rendering(
    rendered: RenderedSeatMap,
    loaded: bool,
    *,
    if_none_match: str | None,
    accept_encoding: str | None,
    compress_min_bytes: int,
    compress_level: int,
) -> SeatMapAnswer:
    """The answer a rendering of the map gives a read: 200 with its body or 304."""
    gzipped = len(rendered.body) >= compress_min_bytes and accepts_gzip(accept_encoding)
    etag = rendered.gzip_etag if gzipped else rendered.etag
    if matches(if_none_match, (rendered.etag, rendered.gzip_etag)):
        READ_NOT_MODIFIED.inc()
        return SeatMapAnswer(rendered.version, etag, gzipped, True, b"")
    (READ_LOADED if loaded else READ_FROM_MEMORY).inc()
    body = rendered.gzipped(compress_level) if gzipped else rendered.body
    return SeatMapAnswer(rendered.version, etag, gzipped, False, body)


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
        answer = await answer_seat_map(
            seat_maps,
            session_id,
            min_version=max(min_version or 0, seen_version(seen)),
            if_none_match=if_none_match,
            accept_encoding=accept_encoding,
            compress_min_bytes=settings.gateway_compress_min_bytes,
            compress_level=settings.gateway_compress_level,
        )
    except SessionNotFound:
        raise ApiError(404, not_found_message(session_id), "session_not_found") from None
    if answer.not_modified:
        return Response(status_code=304, headers=answer.headers())
    return Response(answer.body, media_type="application/json", headers=answer.headers())


def not_found_message(session_id: int) -> str:
    return f"session {session_id} not found"


SEAT_MAP_ROUTE = cast(APIRoute, router.routes[-1])
"""The route above: what the fast lane's answers are counted as (gateway/metrics.py)."""
SEAT_MAP_PATH = re.compile(r"/api/sessions/([1-9][0-9]{0,18})/seats")
VERSION_TEXT = re.compile(r"[0-9]{1,19}")


@dataclass(slots=True)
class SeatMapRequest:
    """What a seat-map read asks, from its headers."""

    min_version: int = 0
    if_none_match: str | None = None
    accept_encoding: str | None = None


def seat_map_request(headers: Iterable[tuple[bytes, bytes]]) -> SeatMapRequest | None:
    """The read's headers (the first of each, as the route takes them); None when the
    min-version header is not a version the route would take."""
    request = SeatMapRequest()
    min_version: str | None = None
    cookie: str | None = None
    for name, raw_value in headers:
        if name == b"if-none-match" and request.if_none_match is None:
            request.if_none_match = raw_value.decode("latin-1")
        elif name == b"accept-encoding" and request.accept_encoding is None:
            request.accept_encoding = raw_value.decode("latin-1")
        elif name == b"cookie" and cookie is None:
            cookie = raw_value.decode("latin-1")
        elif name == b"x-seat-map-min-version" and min_version is None:
            min_version = raw_value.decode("latin-1")
    if min_version is not None:
        if VERSION_TEXT.fullmatch(min_version) is None or int(min_version) > MAX_ID:
            return None
        request.min_version = int(min_version)
    if cookie is not None:
        seen = seen_version(cookie_parser(cookie).get(SEEN_COOKIE))
        request.min_version = max(request.min_version, seen)
    return request


def seat_map_read(
    method: str, path: str, headers: Iterable[tuple[bytes, bytes]]
) -> tuple[int, SeatMapRequest] | None:
    """The session and what is asked, for a `GET /api/sessions/{id}/seats` the fast lanes take
    as well-formed; None for anything else (the route answers it, errors included)."""
    matched = SEAT_MAP_PATH.fullmatch(path) if method == "GET" else None
    session_id = int(matched[1]) if matched is not None else 0
    request = seat_map_request(headers) if 0 < session_id <= MAX_ID else None
    return None if request is None else (session_id, request)


class SeatMapReads:
    """ASGI middleware, the seat map's fast lane: answers `GET /api/sessions/{id}/seats` from
    the store without FastAPI's routing, dependency solving and the middleware inside it.

    It sits inside admission control and request observation, so its reads are shed, logged
    and counted like any request; it adds the safety headers itself. A read it does not take
    as well-formed (an id or min-version header the route would refuse, another method) goes
    on to the route, which answers it, errors included, in the contract's words.
    """

    def __init__(self, app: ASGIApp, *, compress_min_bytes: int, compress_level: int) -> None:
        self.app = app
        self.compress_min_bytes = compress_min_bytes
        self.compress_level = compress_level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        read = None
        if scope["type"] == "http":
            read = seat_map_read(scope["method"], scope["path"], scope["headers"])
        if read is None:
            await self.app(scope, receive, send)
            return
        session_id, request = read
        scope["route"] = SEAT_MAP_ROUTE
        try:
            answer = await answer_seat_map(
                scope["app"].state.seat_maps,
                session_id,
                min_version=request.min_version,
                if_none_match=request.if_none_match,
                accept_encoding=request.accept_encoding,
                compress_min_bytes=self.compress_min_bytes,
                compress_level=self.compress_level,
            )
        except SessionNotFound:
            failure = error_response(404, not_found_message(session_id), "session_not_found")
        except grpc.aio.AioRpcError as error:
            failure = from_rpc_error(error)
        else:
            await self.respond(send, answer)
            return
        failure.headers.update(SAFETY_HEADERS)
        await failure(scope, receive, send)

    @staticmethod
    async def respond(send: Send, answer: SeatMapAnswer) -> None:
        headers = list(
            encoded_headers(
                answer.version, answer.etag, answer.gzipped, answer.not_modified, len(answer.body)
            )
        )
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})


@functools.lru_cache(maxsize=1024)
def encoded_headers(
    version: int, etag: str, gzipped: bool, not_modified: bool, length: int
) -> tuple[tuple[bytes, bytes], ...]:
    """An answer's header lines, encoded once for all the reads of a version."""
    headers = answer_headers(version, etag, gzipped, not_modified) | SAFETY_HEADERS
    if not not_modified:
        headers |= {"Content-Type": "application/json", "Content-Length": str(length)}
    return tuple((name.lower().encode(), value.encode()) for name, value in headers.items())


@functools.lru_cache(maxsize=1024)
def encoded_head(version: int, etag: str, gzipped: bool, not_modified: bool, length: int) -> bytes:
    """An answer's header lines as they go on the wire, for the server's direct answers."""
    return header_lines(encoded_headers(version, etag, gzipped, not_modified, length))


class KeptSeatMaps:
    """The server's direct answer to a seat-map read the store can answer from memory at once
    (gateway/direct.py): the fast lane's answer, headers and counters included, without the
    app. Any other read (not kept yet, too old for the reader, a header the route would
    refuse) is left to the app."""

    def __init__(self, app: Starlette, *, compress_min_bytes: int, compress_level: int) -> None:
        self.app = app
        self.compress_min_bytes = compress_min_bytes
        self.compress_level = compress_level

    def __call__(
        self, method: bytes, path: bytes, headers: Sequence[tuple[bytes, bytes]]
    ) -> DirectAnswer | None:
        read = seat_map_read(method.decode("latin-1"), path.decode("latin-1"), headers)
        store: SeatMapStore | None = getattr(self.app.state, "seat_maps", None)
        if read is None or store is None:
            return None
        session_id, request = read
        rendered = store.read_kept(session_id, request.min_version)
        if rendered is None:
            return None
        answer = answer_rendering(
            rendered,
            False,
            if_none_match=request.if_none_match,
            accept_encoding=request.accept_encoding,
            compress_min_bytes=self.compress_min_bytes,
            compress_level=self.compress_level,
        )
        head = encoded_head(
            answer.version, answer.etag, answer.gzipped, answer.not_modified, len(answer.body)
        )
        reason = b"Not Modified" if answer.not_modified else b"OK"
        return DirectAnswer(answer.status, reason, head, answer.body, SEAT_MAP_ROUTE.path)
