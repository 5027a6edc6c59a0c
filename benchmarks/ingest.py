"""Time our ingest of a landing folder beside DuckDB's bare load of the same files.

    .venv/bin/python benchmarks/ingest.py --landing /tmp/gen100k
    .venv/bin/python benchmarks/ingest.py --landing /tmp/gen1m --db /tmp/bench1m.duckdb
    .venv/bin/python benchmarks/ingest.py --landing /tmp/gen1m --sources snapshots --repeats 2

The floor is what DuckDB does with no checks at all: per source, ``create table <source> as
select * from read_json('<files>', format='newline_delimited', columns={<landing.py types>})``
into a fresh DuckDB file (DuckDB decompresses and parses the files itself, on every core).
Ours is ``wealthgraph.ingest.ingest_source`` per source, reference sources first, into the
warehouse file ``--db`` (created fresh): every line typed, checked against the source's rules
and written to raw, staging and core, as the Dagster assets do. A source's floor and ours run
one after the other, each in a fresh process, so the peak RSS printed is that stage's own
(the process's high-water mark, DuckDB included) and both see about the same machine.

Timings move on a shared 2-core machine: the "others' CPU s" column (machine-wide busy time
from /proc/stat less the stage's own CPU) shows when other jobs took CPU during a stage;
compare runs where it is small. With ``--repeats N`` each stage runs N times (fresh files each
time) and the fastest counts. Both database files are deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

GB = 1024**3


def _busy_seconds() -> float:
    """Machine-wide non-idle CPU seconds so far (all cores), from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return float("nan")
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# --- the two stages, each run in its own process --------------------------------------------


def _floor(landing: Path, db: Path, name: str) -> int:
    import duckdb

    from wealthgraph import landing as contract

    source = contract.SOURCES[name]
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in source.fields.items()) + "}"
    if source.daily:
        pattern = landing / source.folder / f"*{contract.SUFFIX}"
    else:
        pattern = contract.source_path(landing, source)
    con = duckdb.connect(str(db))
    try:
        con.execute(f"drop table if exists {name}")
        con.execute(
            f"create table {name} as select * from read_json('{pattern}', "
            f"format='newline_delimited', columns={columns})"
        )
        return con.execute(f"select count(*) from {name}").fetchone()[0]
    finally:
        con.close()


def _ours(landing: Path, db: Path, name: str) -> int:
    from wealthgraph import ingest
    from wealthgraph import landing as contract
    from wealthgraph.warehouse import connect

    source = contract.SOURCES[name]
    days = contract.landed_days(landing, source) if source.daily else None
    con = connect(db)
    try:
        counts = ingest.ingest_source(con, source, landing, days)
    finally:
        con.close()
    unbalanced = [c.file_name for c in counts if not c.balanced]
    if unbalanced:
        raise SystemExit(f"{name}: rows in <> accepted + quarantined for {unbalanced}")
    return sum(c.rows_in for c in counts)


STAGES = {"floor": _floor, "ours": _ours}


def _child(stage: str, landing: Path, db: Path, name: str) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    lines = STAGES[stage](landing, db, name)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"lines": lines, "seconds": seconds, "cpu": cpu, "peak": peak}))


def _run(stage: str, landing: Path, db: Path, name: str) -> dict:
    busy = _busy_seconds()
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            stage,
            "--landing",
            str(landing),
            "--db",
            str(db),
            "--sources",
            name,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{stage} {name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["others"] = max(0.0, _busy_seconds() - busy - result["cpu"])
    return result


# --- the report ---------------------------------------------------------------------------


def _row(label: str, floor: dict, ours: dict) -> str:
    def side(r: dict) -> str:
        rate = r["lines"] / r["seconds"] if r["seconds"] else float("nan")
        return f"{r['seconds']:8.1f} {rate / 1000:8,.0f}k {r['peak'] / GB:6.2f} {r['others']:7.0f}"

    ratio = ours["seconds"] / floor["seconds"] if floor["seconds"] else float("nan")
    return f"{label:<14} {ours['lines']:>13,} | {side(floor)} | {side(ours)} | {ratio:5.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--db", type=Path, help="our warehouse file (default: beside --landing)")
    parser.add_argument("--sources", help="comma-separated sources (default: all, in order)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep both database files")
    parser.add_argument("--child", choices=STAGES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    landing = args.landing.resolve()
    if args.child:
        _child(args.child, landing, args.db, args.sources)
        return

    from wealthgraph import landing as contract

    names = args.sources.split(",") if args.sources else list(contract.SOURCES)
    db = (args.db or landing.parent / f"{landing.name}_ingest_bench.duckdb").resolve()
    floor_db = db.with_name(db.stem + "_floor.duckdb")
    print(f"landing {landing}; ours -> {db}, floor -> {floor_db}; {os.cpu_count()} cores")
    header = f"{'source':<14} {'lines':>13} | " + " | ".join(
        f"{side + ' s':>8} {'lines/s':>9} {'peak GB':>6} {'others':>7}"
        for side in ("floor", "ours")
    )
    print(header + " | ours/floor")
    print("-" * len(header) + "-" * 13)
    best: dict[str, dict[str, dict]] = {}
    for repeat in range(args.repeats):
        for path in (db, floor_db):
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
        for name in names:
            results = {
                stage: _run(stage, landing, path, name)
                for stage, path in (("floor", floor_db), ("ours", db))
            }
            for stage, result in results.items():
                kept = best.setdefault(name, {}).get(stage)
                if kept is None or result["seconds"] < kept["seconds"]:
                    best[name][stage] = result
            if repeat == args.repeats - 1:
                print(_row(name, best[name]["floor"], best[name]["ours"]), flush=True)
    total = {
        stage: {
            "lines": sum(best[n][stage]["lines"] for n in names),
            "seconds": sum(best[n][stage]["seconds"] for n in names),
            "peak": max(best[n][stage]["peak"] for n in names),
            "others": sum(best[n][stage]["others"] for n in names),
        }
        for stage in STAGES
    }
    print("-" * len(header) + "-" * 13)
    print(_row("total", total["floor"], total["ours"]))
    sizes = {path.name: path.stat().st_size / GB for path in (floor_db, db) if path.exists()}
    print("database files: " + ", ".join(f"{n} {s:.2f} GB" for n, s in sizes.items()))
    if not args.keep:
        for path in (db, floor_db):
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
