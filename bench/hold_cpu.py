"""A short, repeatable measure of CPU per hold: one flash sale (50 clients, 500-seat sessions)
on a stack of its own; prints the JSON of flash_sale.run, `cpu_us_per_hold` included.

    flock /tmp/cinema-stack.lock .venv/bin/python -m bench.hold_cpu --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from bench import flash_sale
from bench.harness import bench_stack


async def measure(clients: int, rounds: int, log_level: str) -> dict[str, Any]:
    async with bench_stack(LOG_LEVEL=log_level) as bench:
        return await flash_sale.run(
            bench, clients=clients, sessions=1, hall_number=950, rounds=rounds
        )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hold_cpu", description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--log-level", default="WARNING", help="INFO: with access logs")
    args = parser.parse_args()
    json.dump(asyncio.run(measure(args.clients, args.rounds, args.log_level)), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
