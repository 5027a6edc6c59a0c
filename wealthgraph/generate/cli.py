"""``wealthgraph generate``: write a synthetic landing folder."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from . import generate


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="wealthgraph generate",
        description="Write synthetic landing data (reference, events, snapshots, transactions).",
    )
    ap.add_argument("--out", type=Path, required=True, help="landing folder to write")
    ap.add_argument("--users", type=int, default=2000, help="number of customers")
    ap.add_argument("--days", type=int, default=30, help="days in the event window")
    ap.add_argument("--seed", type=int, default=42, help="random seed (same seed, same bytes)")
    ap.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 10, 31),
        help="last day of the window, YYYY-MM-DD",
    )
    ap.add_argument(
        "--history-months", type=int, default=12, help="month-end snapshots before the window"
    )
    return ap


def main(argv: list[str] | None = None) -> int:
    """Run the generator; prints per-stage progress and a summary to stderr."""
    args = _parser().parse_args(argv)
    if args.users < 50 or args.days < 1 or args.history_months < 0:
        print("need --users >= 50, --days >= 1, --history-months >= 0", file=sys.stderr)
        return 2

    def progress(stage: str, rows: int, seconds: float) -> None:
        print(f"  {stage:<24} {rows:>12,} rows {seconds:8.2f}s", file=sys.stderr, flush=True)

    started = time.perf_counter()
    print(
        f"generating {args.users:,} users x {args.days} days (seed {args.seed}, "
        f"end {args.end}, {args.history_months} history months) -> {args.out}",
        file=sys.stderr,
    )
    counts = generate(
        args.out,
        users=args.users,
        days=args.days,
        seed=args.seed,
        end=args.end,
        history_months=args.history_months,
        progress=progress,
    )
    print("rows per source:", file=sys.stderr)
    for name, rows in counts.items():
        print(f"  {name:<24} {rows:>12,}", file=sys.stderr)
    print(
        f"total {sum(counts.values()):,} rows in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    return 0
