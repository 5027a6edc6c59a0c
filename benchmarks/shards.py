"""The per-customer tables built on customer shards, against the same build on one shard.

    .venv/bin/python benchmarks/shards.py --shards 4 \
        --hub /tmp/wealthgraph-bench/risk-1000000/wealthgraph.duckdb

Takes a warehouse whose main job has run (the hub; benchmarks/risk.py or benchmarks/pipeline.py
leave one) and builds its shards (pipelines/shards.py) twice, each shard in a fresh process
measured from outside with ``os.wait4`` (wall time, CPU time, peak RSS): once as a single
shard holding every customer (the baseline: the same code and tables on one machine), then as
``--shards`` shards. A shard is what one machine would do, so the sharded build's wall time on
S machines is its slowest shard. Results go to ``benchmarks/results/shards-<customers>.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def one_shard(hub: Path, shard: int, shards: int) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS GB, customers) of building one shard in a fresh process."""
    code = (
        "import sys; from pathlib import Path; from pipelines.shards import build_shard; "
        f"s = build_shard(Path({str(hub)!r}), {shard}, {shards}); print(s.customers)"
    )
    # the child's output goes to a file: a pipe nobody reads until the end fills up and
    # blocks the child (DuckDB's progress bar alone writes more than a pipe holds)
    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=log, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        log.seek(0)
        out = log.read()
    if status != 0:
        raise SystemExit(f"shard {shard} of {shards} failed (exit status {status})")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024**2, int(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", type=Path, required=True, help="a warehouse the main job built")
    parser.add_argument("--shards", type=int, default=4)
    args = parser.parse_args(argv)
    if not args.hub.exists():
        print(f"error: no warehouse at {args.hub}", file=sys.stderr)
        return 2
    with duckdb.connect(str(args.hub), read_only=True) as con:
        (customers,) = con.execute("select count(*) from core.customers").fetchone()
    rows = []
    for shards in (1, args.shards):
        for k in range(shards):
            wall, cpu, rss, n = one_shard(args.hub, k, shards)
            rows.append((shards, k, n, wall, cpu, rss))
            print(f"{shards} shard(s), shard {k}: {n:,} customers, {wall:.1f} s, {rss:.2f} GB")
    single = rows[0]
    sharded = rows[1:]
    slowest = max(r[3] for r in sharded)
    lines = [
        f"# Per-customer tables on {args.shards} customer shards, {customers:,} customers",
        "",
        f"Date: {dt.date.today()}. Machine: {os.cpu_count()} cores; each shard built in a "
        "fresh process, one after another. Command:",
        "",
        "```bash",
        f".venv/bin/python benchmarks/shards.py --hub <warehouse> --shards {args.shards}",
        "```",
        "",
        "| build | shard | customers | wall s | CPU s | peak RSS GB |",
        "|---|---|---|---|---|---|",
        *(
            f"| {s} shard(s) | {k} | {n:,} | {w:.1f} | {c:.1f} | {r:.2f} |"
            for s, k, n, w, c, r in rows
        ),
        "",
        f"One shard holding every customer: {single[3]:.1f} s and {single[5]:.2f} GB. "
        f"{args.shards} shards: {sum(r[3] for r in sharded):.1f} s in all one after another; "
        f"on {args.shards} machines the slowest, {slowest:.1f} s "
        f"({slowest / single[3]:.2f} of one), each at most "
        f"{max(r[5] for r in sharded):.2f} GB.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (RESULTS / f"shards-{customers}.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
