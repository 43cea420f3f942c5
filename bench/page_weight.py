"""Page weight and time to a rendered seat map, cold and warm, on a desktop and a slow phone.

`make page-weight` (or `python -m bench.page_weight`) starts a stack of its own (bench/harness.py),
schedules a showtime in a 12 x 20 hall, and opens its seat map in headless Chromium:

- cold: a new browser profile (empty cache); warm: the same profile visiting again;
- desktop: 1280 x 800, no throttling; phone: 390 x 844 with Chromium's network throttling
  (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up, Lighthouse's mobile profile) and the
  CPU slowed 4x, both through the DevTools protocol.

Weight is every byte on the wire (headers included, the live feed's WebSocket left out) until
the first seat is in the page; time is from the start of the navigation to that moment, read in
the page. Each figure is the median of `--runs` visits. `--url` measures a gateway already
running instead (its admin from ADMIN_EMAIL / ADMIN_PASSWORD).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import (
    Browser,
    BrowserContext,
    CDPSession,
    Page,
    ViewportSize,
    sync_playwright,
)

from bench.harness import ADMIN_EMAIL, ADMIN_PASSWORD, bench_stack

CHROMIUM = "/usr/bin/chromium"
RESULTS = Path(__file__).resolve().parent / "results"
ROWS, SEATS_PER_ROW = 12, 20
SEAT_RENDERED = """
window.__seatMapAt = null;
new MutationObserver((_, observer) => {
  if (document.querySelector(".seat")) {
    window.__seatMapAt = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""
"""Notes, in the page, when the first seat button appears."""


@dataclass(frozen=True)
class Profile:
    name: str
    viewport: ViewportSize
    network: dict[str, Any] | None
    cpu_slowdown: float


DESKTOP = Profile("desktop", {"width": 1280, "height": 800}, None, 1)
PHONE = Profile(
    "phone (slow 4G, CPU / 4)",
    {"width": 390, "height": 844},
    {
        "offline": False,
        "latency": 150,
        "downloadThroughput": 1_600_000 / 8,
        "uploadThroughput": 750_000 / 8,
    },
    4,
)


@dataclass(frozen=True)
class Visit:
    bytes_on_wire: int
    requests_over_network: int
    ms_to_seat_map: float


@dataclass(frozen=True)
class Figure:
    profile: str
    visit: str
    kilobytes_on_wire: float
    requests_over_network: int
    ms_to_seat_map: float


class WireCounter:
    """Bytes and requests that went over the network, from DevTools protocol events."""

    def __init__(self, cdp: CDPSession) -> None:
        self.bytes = 0
        self.requests = 0
        cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event: dict[str, Any]) -> None:
        length = int(event.get("encodedDataLength", 0))
        if length > 0:
            self.bytes += length
            self.requests += 1

    def reset(self) -> None:
        self.bytes = self.requests = 0


def visit(page: Page, counter: WireCounter, url: str) -> Visit:
    page.goto("about:blank")
    counter.reset()
    page.goto(url)
    page.wait_for_selector(".seat", state="attached", timeout=120_000)
    at = float(page.evaluate("window.__seatMapAt"))
    page.wait_for_load_state("networkidle")
    return Visit(counter.bytes, counter.requests, at)


@contextmanager
def profiled(
    browser: Browser, profile: Profile, base_url: str
) -> Iterator[tuple[Page, WireCounter]]:
    context: BrowserContext = browser.new_context(base_url=base_url, viewport=profile.viewport)
    try:
        context.add_init_script(SEAT_RENDERED)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        if profile.network:
            cdp.send("Network.emulateNetworkConditions", profile.network)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": profile.cpu_slowdown})
        yield page, WireCounter(cdp)
    finally:
        context.close()


def measure(base_url: str, session_id: int, runs: int) -> list[Figure]:
    path = f"/#/sessions/{session_id}"
    figures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        for profile in (DESKTOP, PHONE):
            cold, warm = [], []
            for _ in range(runs):
                with profiled(browser, profile, base_url) as (page, counter):
                    cold.append(visit(page, counter, path))
                    warm.append(visit(page, counter, path))
            figures += [summary(profile, "cold", cold), summary(profile, "warm", warm)]
        browser.close()
    return figures


def summary(profile: Profile, name: str, visits: list[Visit]) -> Figure:
    return Figure(
        profile=profile.name,
        visit=name,
        kilobytes_on_wire=round(statistics.median(v.bytes_on_wire for v in visits) / 1024, 1),
        requests_over_network=round(statistics.median(v.requests_over_network for v in visits)),
        ms_to_seat_map=round(statistics.median(v.ms_to_seat_map for v in visits)),
    )


def schedule_showtime(base_url: str, email: str, password: str) -> int:
    """A movie tomorrow in a new ROWS x SEATS_PER_ROW hall; returns the session id."""
    with httpx.Client(base_url=base_url, timeout=30) as api:
        signed_in = api.post("/api/auth/login", json={"email": email, "password": password})
        signed_in.raise_for_status()
        admin = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        tag = datetime.now(UTC).strftime("%H%M%S%f")
        movie = api.post(
            "/api/movies",
            json={
                "title": f"Page Weight {tag}",
                "year": 2025,
                "duration": 100,
                "movie_status": "now_showing",
            },
            headers=admin,
        )
        movie.raise_for_status()
        hall = api.post(
            "/api/halls",
            json={
                "number": 5000 + int(tag) % 4000,
                "name": "Weighed",
                "rows": ROWS,
                "seats_per_row": SEATS_PER_ROW,
            },
            headers=admin,
        )
        hall.raise_for_status()
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        session = api.post(
            "/api/sessions",
            json={
                "movie_id": movie.json()["id"],
                "hall_id": hall.json()["id"],
                "start_time": start.isoformat(),
                "end_time": (start + timedelta(hours=2)).isoformat(),
            },
            headers=admin,
        )
        session.raise_for_status()
        return int(session.json()["id"])


def table(figures: list[Figure]) -> str:
    lines = [
        "| profile | visit | KiB on the wire | requests over the network | ms to the seat map |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {f.profile} | {f.visit} | {f.kilobytes_on_wire} | {f.requests_over_network} "
        f"| {f.ms_to_seat_map} |"
        for f in figures
    ]
    return "\n".join(lines)


async def on_own_stack(runs: int) -> list[Figure]:
    async with bench_stack() as bench:
        session_id = await asyncio.to_thread(
            schedule_showtime, bench.base_url, ADMIN_EMAIL, ADMIN_PASSWORD
        )
        return await asyncio.to_thread(measure, bench.base_url, session_id, runs)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_weight", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="visits per figure (median)")
    parser.add_argument("--url", help="a running gateway to measure instead of a stack of its own")
    parser.add_argument("--label", default="", help="a name for the results file")
    args = parser.parse_args()
    if args.url:
        email, password = os.environ["ADMIN_EMAIL"], os.environ["ADMIN_PASSWORD"]
        session_id = schedule_showtime(args.url, email, password)
        figures = measure(args.url, session_id, args.runs)
    else:
        figures = asyncio.run(on_own_stack(args.runs))
    print(table(figures))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    written = RESULTS / f"page_weight-{args.label or stamp}.json"
    written.write_text(json.dumps([asdict(f) for f in figures], indent=2))
    print(f"written to {written}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
