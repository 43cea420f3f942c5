"""WS /api/sessions/{id}/live: the seat map as a snapshot, then every change as it happens.

Protocol (JSON text frames) in gateway/live/protocol.py. Close codes: 4404 unknown session,
4422 malformed id, 1013 too slow to follow, the feed is not available or the client address
has LIVE_MAX_CONNECTIONS_PER_CLIENT feeds open already (reconnect later), 1009 a client frame
over 4 KiB, 1012 the gateway is restarting (reconnect), 1011 unexpected failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re

import grpc
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from gateway.live.hub import Close, LiveHub, SessionNotFound, Watcher
from gateway.live.protocol import CloseCode
from gateway.live.slots import ConnectionSlots
from gateway.schemas import MAX_ID

router = APIRouter(prefix="/api", tags=["seat map"])
log = logging.getLogger(__name__)

READY_TIMEOUT_SECONDS = 10.0
"""How long a new watcher waits for the event consumer to be positioned after a start."""
CLOSE_GRACE_SECONDS = 10.0
"""How long a close frame may wait behind unsent data before the connection is let go."""
SESSION_ID = re.compile(r"[0-9]{1,19}")
RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def parse_session_id(raw: str) -> int | None:
    if SESSION_ID.fullmatch(raw) is None:
        return None
    number = int(raw)
    return number if 1 <= number <= MAX_ID else None


@router.websocket("/sessions/{session_id}/live", name="live_seat_map")
async def live_seat_map(websocket: WebSocket, session_id: str) -> None:
    """Anyone may watch; no token needed."""
    await websocket.accept()
    slots: ConnectionSlots = websocket.app.state.live_slots
    client = websocket.client.host if websocket.client else "unknown"
    with slots.take(client) as granted:
        if granted:
            await _watch(websocket, session_id)
        else:
            await _close(websocket, (CloseCode.TRY_AGAIN_LATER, "too many live feeds open"))


async def _watch(websocket: WebSocket, session_id: str) -> None:
    number = parse_session_id(session_id)
    if number is None:
        await _close(websocket, (CloseCode.INVALID_SESSION_ID, "invalid session id"))
        return
    hub: LiveHub = websocket.app.state.live
    try:
        await asyncio.wait_for(hub.live.wait(), READY_TIMEOUT_SECONDS)
    except TimeoutError:
        await _close(websocket, (CloseCode.TRY_AGAIN_LATER, "live feed not available"))
        return
    with hub.watch(number) as watcher:
        ending = await _serve(websocket, watcher)
    if ending is not None:
        await _close(websocket, ending)


async def _serve(websocket: WebSocket, watcher: Watcher) -> Close | None:
    """Sends the feed until the client leaves (None) or the server ends it (why)."""
    sending = asyncio.create_task(_send_feed(websocket, watcher))
    listening = asyncio.create_task(_until_disconnected(websocket))
    dropped = asyncio.create_task(watcher.dropped.wait())
    tasks = (sending, listening, dropped)
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if listening in done:
        return None
    if dropped in done:
        return watcher.ending
    return _failure(sending.exception())


async def _send_feed(websocket: WebSocket, watcher: Watcher) -> None:
    async with contextlib.aclosing(watcher.messages()) as feed:
        async for text in feed:
            await websocket.send_text(text)


async def _until_disconnected(websocket: WebSocket) -> None:
    """Reads (and ignores) what the client sends until it disconnects."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


def _failure(error: BaseException | None) -> Close | None:
    if isinstance(error, SessionNotFound):
        return CloseCode.SESSION_NOT_FOUND, "session not found"
    if isinstance(error, WebSocketDisconnect | OSError):
        return None
    if isinstance(error, grpc.aio.AioRpcError) and error.code() in RETRYABLE:
        return CloseCode.TRY_AGAIN_LATER, "seat map not available"
    log.error("live feed failed", exc_info=error)
    return CloseCode.INTERNAL_ERROR, "internal error"


async def _close(websocket: WebSocket, ending: Close) -> None:
    """Closes with a code, giving up when the client does not take the close frame in time."""
    if websocket.client_state == WebSocketState.DISCONNECTED:
        return
    code, reason = ending
    with contextlib.suppress(TimeoutError, RuntimeError, OSError, WebSocketDisconnect):
        await asyncio.wait_for(websocket.close(int(code), reason), CLOSE_GRACE_SECONDS)
