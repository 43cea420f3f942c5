"""Closed-loop HTTP load from vegeta (`make bench` installs it): N workers, each sending its next
request the moment an answer arrives, for a fixed time.

A Go load generator costs a fraction of a Python client's CPU per request, which matters on
two cores shared with the system under test. Every answer is kept (status, latency, socket
error) so figures can be split by status, for example admitted requests apart from shed ones.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import percentiles

ROOT = Path(__file__).resolve().parent.parent
VEGETA = ROOT / ".tools" / "bin" / "vegeta"


@dataclass(frozen=True)
class Target:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def line(self) -> str:
        target: dict[str, Any] = {
            "method": self.method,
            "url": self.url,
            "header": {name: [value] for name, value in self.headers.items()},
        }
        if self.body:
            target["body"] = base64.b64encode(self.body).decode()
        return json.dumps(target)


@dataclass(frozen=True)
class Answer:
    code: int
    latency_ms: float
    error: str
    target: str


@dataclass
class Load:
    """The answers of one run and how long it lasted."""

    seconds: float
    answers: list[Answer]

    def statuses(self) -> Counter[int]:
        return Counter(answer.code for answer in self.answers)

    def socket_errors(self) -> int:
        """Requests that got no HTTP answer at all (refused, reset, timed out)."""
        return sum(1 for answer in self.answers if answer.code == 0)

    def figures(self, codes: Iterable[int] | None = None) -> dict[str, Any]:
        """Requests per second and latency of the answers with `codes` (all when None)."""
        wanted = None if codes is None else set(codes)
        chosen = [a for a in self.answers if wanted is None or a.code in wanted]
        return {
            "requests": len(chosen),
            "requests_per_second": round(len(chosen) / self.seconds, 1),
            "latency_ms": percentiles([answer.latency_ms for answer in chosen]),
        }


async def attack(targets: list[Target], *, workers: int, seconds: float) -> Load:
    """`workers` concurrent clients cycling through `targets` for `seconds`."""
    if not VEGETA.exists():
        raise RuntimeError(f"{VEGETA} is missing: run `make bench`, which installs it")
    with tempfile.TemporaryDirectory(prefix="vegeta-") as folder:
        targets_file = Path(folder) / "targets.json"
        targets_file.write_text("".join(target.line() + "\n" for target in targets))
        results_file = Path(folder) / "results.bin"
        attack_run = await asyncio.create_subprocess_exec(
            str(VEGETA),
            "attack",
            "-format=json",
            f"-targets={targets_file}",
            "-rate=0",
            f"-workers={workers}",
            f"-max-workers={workers}",
            f"-duration={seconds}s",
            "-max-body=0",
            "-timeout=30s",
            f"-output={results_file}",
        )
        if await attack_run.wait() != 0:
            raise RuntimeError("vegeta attack failed")
        encode = await asyncio.create_subprocess_exec(
            str(VEGETA),
            "encode",
            "-to=csv",
            str(results_file),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await encode.communicate()
    return _parsed(out.decode(), seconds)


def _parsed(text: str, seconds: float) -> Load:
    """vegeta's CSV: timestamp, code, latency (ns), bytes out, bytes in, error, body, attack,
    seq, method, url, headers."""
    answers = [
        Answer(int(row[1]), int(row[2]) / 1e6, row[5], f"{row[9]} {row[10]}")
        for row in csv.reader(io.StringIO(text))
        if row
    ]
    return Load(seconds, answers)
