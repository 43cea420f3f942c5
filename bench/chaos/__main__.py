"""`make chaos` (`python -m bench.chaos [--short]`): prints the checks; exit 1 on a violation."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace

from bench.chaos import scenario
from bench.chaos.app import ROOT
from bench.chaos.checker import check_history
from bench.chaos.report import render

HISTORY_FILE = ROOT / "test-artifacts" / "chaos" / "history.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    parser.add_argument(
        "--short", action="store_true", help="fewer faults and shoppers (about two minutes)"
    )
    parser.add_argument("--seed", type=int, default=11, help="seed of the shoppers' choices")
    args = parser.parse_args(argv)
    plan = replace(scenario.SHORT if args.short else scenario.FULL, seed=args.seed)
    history, evidence = asyncio.run(scenario.run(plan))
    history.labelled().dump(HISTORY_FILE)
    verdicts = check_history(history, evidence)
    print(render(verdicts, history))
    print(f"\nhistory: {HISTORY_FILE}; service logs: {ROOT / 'test-artifacts' / 'chaos-logs'}")
    return 0 if all(verdict.ok for verdict in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
