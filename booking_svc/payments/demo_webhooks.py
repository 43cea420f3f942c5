"""The demo provider's webhook sender: POSTs every queued event, freshly signed, until the
receiver acknowledges it (any 2xx, or 409: it has the event already), waiting longer after
each failed attempt. The queue is a table, so nothing is lost across restarts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from booking_svc.payments.signature import SIGNATURE_HEADER, sign
from booking_svc.payments.tables import demo_webhooks
from svckit.db import reading

log = logging.getLogger(__name__)

W = demo_webhooks.c
BATCH = 20
MAX_BACKOFF = timedelta(hours=1)
IDLE_CHECK_SECONDS = 5.0
"""How long the sender sleeps with nothing due (a wake-up or a due retry comes sooner)."""
ACKNOWLEDGED = 409
"""Besides 2xx: the receiver answers 409 to an event id it has handled already."""


def backoff(attempts: int, base: timedelta) -> timedelta:
    """The pause after the `attempts`-th failed delivery: base, 2 base, 4 base, ... capped."""
    doubled: timedelta = base * 2 ** max(attempts - 1, 0)
    return min(doubled, MAX_BACKOFF)


class WebhookSender:
    def __init__(
        self,
        database: AsyncEngine,
        *,
        url: str,
        secret: str,
        retry_base: timedelta,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.database = database
        self.url = url
        self.secret = secret
        self.retry_base = retry_base
        self.client = client or httpx.AsyncClient(timeout=10.0)
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """A new event was queued: send it now."""
        self._woken.set()

    async def run(self) -> None:
        while True:
            self._woken.clear()
            while await self.send_due() == BATCH:
                pass
            pause = await self._seconds_until_next_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), timeout=min(pause, IDLE_CHECK_SECONDS))

    async def send_due(self) -> int:
        """One attempt at up to BATCH due events; returns how many were tried."""
        async with self.database.begin() as db:
            due = (
                await db.execute(
                    select(W.event_id, W.payload, W.attempts)
                    .where(W.delivered_at.is_(None), W.next_attempt_at <= func.now())
                    .order_by(W.next_attempt_at)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for event_id, payload, attempts in due:
                error = await self._post(payload)
                done = update(demo_webhooks).where(W.event_id == event_id)
                if error is None:
                    await db.execute(done.values(delivered_at=func.now(), attempts=attempts + 1))
                    continue
                pause = backoff(attempts + 1, self.retry_base)
                log.warning("webhook %s not acknowledged (%s); next in %s", event_id, error, pause)
                await db.execute(
                    done.values(
                        attempts=attempts + 1,
                        next_attempt_at=func.now() + pause,
                        last_error=error,
                    )
                )
        return len(due)

    async def _post(self, payload: bytes) -> str | None:
        """Sends one event; None when acknowledged, else what went wrong."""
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: sign(payload, self.secret, int(time.time())),
        }
        try:
            response = await self.client.post(self.url, content=payload, headers=headers)
        except httpx.HTTPError as error:
            return f"{type(error).__name__}: {error}"
        if response.is_success or response.status_code == ACKNOWLEDGED:
            return None
        return f"HTTP {response.status_code}"

    async def _seconds_until_next_due(self) -> float:
        async with reading(self.database) as db:
            seconds = await db.scalar(
                select(func.extract("epoch", func.min(W.next_attempt_at) - func.now())).where(
                    W.delivered_at.is_(None)
                )
            )
        return IDLE_CHECK_SECONDS if seconds is None else max(float(seconds), 0.0)

    async def close(self) -> None:
        await self.client.aclose()
