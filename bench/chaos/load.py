"""The load: shoppers who read seat maps, hold seats, pay, cancel or let holds expire.

Every request goes through the recorder. A shopper keeps a hall from filling up for good by
cancelling one of its paid bookings there when too few seats are free.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

import httpx

from bench.chaos.history import Recorder

MAX_SEATS = 4
PAY_SHARE = 0.5
CANCEL_HOLD_SHARE = 0.2
"""The rest of the holds are left to expire."""
CANCEL_PAID_SHARE = 0.3
THINK_SECONDS = (0.2, 0.8)
RETRY_AFTER_FAILURE_SECONDS = 0.5


@dataclass
class Shopper:
    name: str
    token: str
    sessions: list[int]
    recorder: Recorder
    rng: random.Random
    paid: dict[int, list[str]] = field(default_factory=dict)
    """Ids of this shopper's paid bookings, by session."""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def run(self, http: httpx.AsyncClient) -> None:
        """Shops until cancelled."""
        while True:
            await self.round(http, self.rng.choice(self.sessions))
            await asyncio.sleep(self.rng.uniform(*THINK_SECONDS))

    async def round(self, http: httpx.AsyncClient, session: int) -> None:
        seat_map = await self.call(http, "seats", "GET", f"/api/sessions/{session}/seats")
        if seat_map is None or seat_map.status_code != 200:
            await asyncio.sleep(RETRY_AFTER_FAILURE_SECONDS)
            return
        free = [seat["seat_id"] for seat in seat_map.json() if seat["status"] == "free"]
        if len(free) < MAX_SEATS:
            if self.paid.get(session):
                await self.cancel(http, self.paid[session].pop(0))
            return
        seats = self.rng.sample(free, self.rng.randint(1, MAX_SEATS))
        hold = await self.call(
            http, "hold", "POST", "/api/bookings", json={"session_id": session, "seats_id": seats}
        )
        if hold is None or hold.status_code != 201:
            return
        booking = str(hold.json()["id"])
        await asyncio.sleep(self.rng.uniform(*THINK_SECONDS))
        roll = self.rng.random()
        if roll < PAY_SHARE:
            await self.pay(http, session, booking)
        elif roll < PAY_SHARE + CANCEL_HOLD_SHARE:
            await self.cancel(http, booking)

    async def pay(self, http: httpx.AsyncClient, session: int, booking: str) -> None:
        paid = await self.call(http, "confirm", "POST", f"/api/bookings/{booking}/confirm")
        if paid is None or paid.status_code != 200:
            return
        if self.rng.random() < CANCEL_PAID_SHARE:
            await asyncio.sleep(self.rng.uniform(*THINK_SECONDS))
            await self.cancel(http, booking)
        else:
            self.paid.setdefault(session, []).append(booking)

    async def cancel(self, http: httpx.AsyncClient, booking: str) -> None:
        await self.call(http, "cancel", "POST", f"/api/bookings/{booking}/cancel")

    async def call(
        self, http: httpx.AsyncClient, kind: str, method: str, path: str, **request: object
    ) -> httpx.Response | None:
        return await self.recorder.call(
            http, self.name, kind, method, path, headers=self.auth, **request
        )
