"""Where ingest's time goes: one source's batches, step by step, beside DuckDB's bare load.

    .venv/bin/python benchmarks/ingest_steps.py --landing /tmp/gen1m --source events --days 2
    .venv/bin/python benchmarks/ingest_steps.py --landing /tmp/gen100k --source snapshots

Runs wealthgraph.ingest's own functions on the first ``--days`` landed days of a source, one
batch after another without the reader thread (so the steps do not overlap), into a fresh
warehouse that already holds the reference sources. Each step's wall time is summed: reading
(decompression), cutting lines, Arrow's bulk typing, and every SQL statement of write_batch,
named by what it builds. The same files are then loaded by DuckDB's ``read_json`` (the floor
of benchmarks/ingest.py). The sum of the steps is more than the pipeline's ingest, which reads
the next batch while it writes the current one; the shares are what a profile is for.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from wealthgraph import landing as contract
from wealthgraph.ingest import layers, lines
from wealthgraph.ingest.bulk import read_bulk
from wealthgraph.warehouse import connect

SPENT: dict[str, float] = defaultdict(float)


@contextmanager
def step(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        SPENT[name] += time.perf_counter() - started


def _label(sql: str) -> str:
    """A short name for a statement: its verb and target, or 'other'."""
    words = re.sub(r"\s+", " ", sql).strip().lower()
    match = re.match(
        r"(create or replace temp (?:table|view) \w+|insert into \w+\.\w+|delete from \w+\.\w+|"
        r"select exists|select row_id from checked)",
        words,
    )
    return match.group(1) if match else "other: " + words[:30]


class TimedConnection:
    """A DuckDB connection whose execute() adds its wall time to SPENT under the statement."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def execute(self, sql: str, *args: Any) -> Any:
        with step("sql: " + _label(sql)):
            return self._con.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _timed(name: str, function: Callable) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with step(name):
            return function(*args, **kwargs)

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument(
        "--source", default="events", choices=[s.name for s in contract.DAILY_SOURCES]
    )
    parser.add_argument("--days", type=int, default=2)
    args = parser.parse_args()
    landing = args.landing.resolve()
    source = contract.SOURCES[args.source]
    days = contract.landed_days(landing, source)[: args.days]

    with tempfile.TemporaryDirectory() as work:
        con = connect(Path(work) / "steps.duckdb")
        for reference in contract.REFERENCE_SOURCES:
            layers.ingest_source(con, reference, landing)
        # the steps, timed where layers.py calls them
        layers.read_files = _timed("read + decompress", lambda paths: list(lines.read_files(paths)))
        layers.read_bulk = _timed("Arrow bulk typing", read_bulk)
        layers.split_lines = _timed("cut lines", lines.split_lines)
        lines_in = 0
        started = time.perf_counter()
        for batch in layers.batches(landing, source, days):
            landed = layers.read_batch(landing, source, batch)
            lines_in += landed.lines
            layers.write_batch(TimedConnection(con), landed)
        ours = time.perf_counter() - started
        con.close()

        floor_con = duckdb.connect(str(Path(work) / "floor.duckdb"))
        columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in source.fields.items()) + "}"
        files = [str(contract.source_path(landing, source, day)) for day in days]
        started = time.perf_counter()
        floor_con.execute(
            f"create table floor as select * from read_json({files!r}, "
            f"format='newline_delimited', columns={columns})"
        )
        floor = time.perf_counter() - started
        floor_con.close()

    print(
        f"{source.name}, {len(days)} days, {lines_in:,} lines: ours {ours:.1f} s (steps in "
        f"sequence), DuckDB read_json {floor:.1f} s, ratio {ours / floor:.2f}"
    )
    print(f"{'step':<52} {'s':>7} {'share':>6} {'x floor':>8}")
    shown = {name: s for name, s in SPENT.items() if s >= 0.01 * ours}
    shown["every other step (each under 1%)"] = sum(SPENT.values()) - sum(shown.values())
    for name, seconds in sorted(shown.items(), key=lambda kv: -kv[1]):
        print(f"{name:<52} {seconds:7.1f} {seconds / ours:6.1%} {seconds / floor:8.2f}")


if __name__ == "__main__":
    main()
