"""`make bench`: flash sale (one session, then 50 sessions) and expiry; prints JSON."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import expiry, flash_sale, live_fanout
from bench.harness import bench_stack, quiet

RESULTS = Path(__file__).resolve().parent / "results"


async def run_all(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds")}
    async with bench_stack() as bench:
        if "flash_sale" in args.only:
            results["hold_latency_50_users"] = await flash_sale.run_paced(
                bench, clients=50, seconds=30, hall_number=900
            )
            results["flash_sale_50_clients"] = await flash_sale.run(
                bench, clients=50, sessions=1, hall_number=901, rounds=flash_sale.RAW_SQL_ROUNDS
            )
            results["flash_sale"] = await flash_sale.run(
                bench,
                clients=args.clients,
                sessions=1,
                hall_number=902,
                rounds=flash_sale.RAW_SQL_ROUNDS,
            )
            results["flash_sale_50_sessions"] = await flash_sale.run(
                bench, clients=args.clients, sessions=50, hall_number=903
            )
        if "live_fanout" in args.only:
            results["quiet_after_seconds_before_live_fanout"] = await quiet(bench)
            results["live_fanout"] = await live_fanout.run(bench, watchers=args.watchers)
        if "expiry" in args.only:
            # last: its 10,000 synthetic cancellations keep every consumer busy for a while
            results["quiet_after_seconds_before_expiry"] = await quiet(bench)
            results["expiry"] = await expiry.run(bench, holds=args.expiry_holds)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--expiry-holds", type=int, default=10_000)
    parser.add_argument("--watchers", type=int, default=1000)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["flash_sale", "expiry", "live_fanout"],
        default=["flash_sale", "expiry", "live_fanout"],
    )
    results = asyncio.run(run_all(parser.parse_args()))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
