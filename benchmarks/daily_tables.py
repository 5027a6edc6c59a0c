"""What a daily run costs for the tables kept per day, against rebuilding them over every day.

    .venv/bin/python benchmarks/daily_tables.py --db /tmp/e100k/wh.duckdb [--repeats 3]

On a copy of a built warehouse, in one process and the same minutes: each per-day table
(``sql_asset(by_day=...)``) rebuilt over every landed day (what a run did before they were kept
per day) and written for the last day only (a daily run), then graph.edges, which sums the
per-day evidence, as of the last day. Prints the best of ``--repeats`` wall times per step.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

import pipelines.definitions  # noqa: F401  (registers the per-day tables)
from pipelines.sql_asset import BY_DAY
from wealthgraph.config import sql_params
from wealthgraph.sql import build_days, build_table
from wealthgraph.warehouse import latest_day


def _best(repeats: int, step, *args) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        step(*args)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a built warehouse")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "wh.duckdb"
        shutil.copy(args.db, copy)
        con = duckdb.connect(str(copy))
        as_of = latest_day(con)
        first = con.execute("select min(partition_date) from core.events").fetchone()[0]
        events = con.execute("select count(*) from core.events").fetchone()[0]
        params = {"as_of": as_of, **sql_params()}
        print(f"{args.db}: {events:,} events, {first} .. {as_of}")
        rows = []
        for table, day in BY_DAY.items():
            schema, name = table.split(".")
            every = _best(args.repeats, build_days, con, schema, name, day, first, as_of, params)
            one = _best(args.repeats, build_days, con, schema, name, day, as_of, as_of, params)
            rows.append((table, every, one))
        summed = _best(args.repeats, build_table, con, "graph", "edges", params)
        con.close()
    print("| table | every day, s | last day only, s | ratio |\n|---|---|---|---|")
    for table, every, one in rows:
        print(f"| {table} | {every:.2f} | {one:.2f} | {one / every:.3f} |")
    print(f"| graph.edges (sums graph.edge_days as of {as_of}) | {summed:.2f} | {summed:.2f} | |")
    every = sum(r[1] for r in rows) + summed
    daily = sum(r[2] for r in rows) + summed
    print(
        f"per-day tables and graph.edges: {every:.2f} s every day, {daily:.2f} s daily "
        f"({daily / every:.3f} of it)"
    )


if __name__ == "__main__":
    main()
