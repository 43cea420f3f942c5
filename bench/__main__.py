"""`make bench`: seat-map reads, flash sales, overload, live fan-out and expiry; prints JSON.

Most run on a stack with the benchmark's settings (bench/harness.py); the 20-session sale then
runs on a stack with `make run`'s defaults (INFO logs, default bcrypt cost).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import expiry, flash_sale, live_fanout, overload, seat_map_reads
from bench.harness import admission_defaults, bench_stack, quiet
from user_svc.settings import Settings as UserSettings

RESULTS = Path(__file__).resolve().parent / "results"
SUITES = [
    "seat_map_reads",
    "flash_sale",
    "overload",
    "live_fanout",
    "expiry",
    "flash_sale_20_sessions",
]
MAKE_RUN_DEFAULTS = {
    "LOG_LEVEL": "INFO",
    "BCRYPT_ROUNDS": str(UserSettings.model_fields["bcrypt_rounds"].default),
}
"""What `make run` leaves at its defaults and the benchmark stack changes."""


async def run_all(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Runs the chosen suites, adding each one's figures to `results` as it ends."""
    async with bench_stack() as bench:
        if "seat_map_reads" in args.only:
            results["seat_map_reads"] = await seat_map_reads.run(bench)
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
        if "overload" in args.only:
            results["quiet_after_seconds_before_overload"] = await quiet(bench)
            results["overload"] = await overload.run(bench)
        if "live_fanout" in args.only:
            for index, watchers in enumerate(args.watchers):
                results[f"quiet_after_seconds_before_live_fanout_{watchers}"] = await quiet(bench)
                results[f"live_fanout_{watchers}"] = await live_fanout.run(
                    bench, watchers=watchers, hall_number=live_fanout.HALL_NUMBER + 10 * index
                )
        if "expiry" in args.only:
            # last: its 10,000 synthetic cancellations keep every consumer busy for a while
            results["quiet_after_seconds_before_expiry"] = await quiet(bench)
            results["expiry"] = await expiry.run(bench, holds=args.expiry_holds)
    if "flash_sale_20_sessions" in args.only:
        async with bench_stack(**MAKE_RUN_DEFAULTS, **admission_defaults()) as defaults:
            results["flash_sale_20_sessions"] = await flash_sale.run(
                defaults, clients=50, sessions=20, hall_number=907
            )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--expiry-holds", type=int, default=10_000)
    parser.add_argument("--watchers", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--only", nargs="+", choices=SUITES, default=SUITES)
    results: dict[str, Any] = {"started": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        asyncio.run(run_all(parser.parse_args(), results))
    finally:
        # what finished is kept even when a later suite fails
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
        json.dump(results, sys.stdout, indent=2)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
