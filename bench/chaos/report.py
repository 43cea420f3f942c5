"""The printed report: one row per check, one per fault, then the first problems of each check."""

from __future__ import annotations

from collections.abc import Sequence

from bench.chaos.checker import Verdict
from bench.chaos.history import History

PROBLEMS_SHOWN = 8


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = [header, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in lines
    )


def fault_rows(history: History) -> list[list[str]]:
    history = history.labelled()
    rows = []
    for window in history.windows:
        inside = [e for e in history.exchanges if e.window == window.name]
        recovery = "never" if window.recovered_after is None else f"{window.recovered_after:.1f}s"
        rows.append(
            [
                window.name,
                f"{window.started:.1f}s",
                recovery,
                str(len(inside)),
                str(sum(e.status == 503 for e in inside)),
                str(sum(e.status is None for e in inside)),
                str(
                    sum(
                        e.status is not None and e.status >= 500 and e.status != 503 for e in inside
                    )
                ),
            ]
        )
    return rows


def render(verdicts: Sequence[Verdict], history: History) -> str:
    parts = [
        table(
            ("check", "result", "figures"),
            [(v.check, "ok" if v.ok else "VIOLATED", v.figures) for v in verdicts],
        ),
        "",
        table(
            ("fault", "at", "recovered in", "requests", "503", "no answer", "other 5xx"),
            fault_rows(history),
        ),
    ]
    for verdict in verdicts:
        if verdict.problems:
            parts += ["", f"{verdict.check}: {len(verdict.problems)} problems"]
            parts += [f"  {problem}" for problem in verdict.problems[:PROBLEMS_SHOWN]]
    return "\n".join(parts)
