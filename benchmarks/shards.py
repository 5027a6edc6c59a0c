"""The per-customer tables built on customer shards, against the same build on one shard.

    .venv/bin/python benchmarks/shards.py --shards 4 \
        --hub /tmp/wealthgraph-bench/risk-1000000/wealthgraph.duckdb

Takes a warehouse whose main job has run (the hub; benchmarks/risk.py or benchmarks/pipeline.py
leave one). First the cross-shard steps run again on the hub, in a fresh process: the graph
tables and the recommenders' reference tables every shard is handed (``CROSS_SHARD``; the
product ALS refitted from scratch, as on the weekly night). Then the shards are built
(pipelines/shards.py) twice, each shard in a fresh process: once as a single shard holding
every customer (the baseline: the same code and tables on one machine), then as ``--shards``
shards. Every process is measured from outside with ``os.wait4`` (wall time, CPU time, peak
RSS). A shard is what one machine would do, so the sharded build's wall time on S machines is
its slowest shard. Results go to ``benchmarks/results/shards-<customers>.md``.
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
# what crosses shards, computed once at the hub and handed to every shard (pipelines/shards.py
# FROM_HUB); the per-day edge aggregation (graph.edge_days) runs with each day's ingest
CROSS_SHARD = (
    "graph.memberships",
    "graph.edges",
    "graph.ties",
    "graph.node_metrics",
    "graph.communities",
    "graph.people_you_may_know",
    "graph.social_credit",
    "recommend.products",
    "recommend.product_factors",
    "recommend.product_cooccurrence",
    "recommend.segment_popularity",
    "recommend.loan_uptake",
    "recommend.topics",
    "recommend.activities",
)


def cross_shard_child(hub: Path) -> None:
    """Rebuild ``CROSS_SHARD`` on the hub (the product ALS from scratch); print step times."""
    import dagster as dg

    from pipelines.graph import assets as graph_assets
    from pipelines.recommend import assets as recommend_assets
    from pipelines.resources import Warehouse

    with duckdb.connect(str(hub)) as con:
        con.execute("drop table if exists recommend.product_factors")
    keys = {dg.AssetKey(t.split(".")) for t in CROSS_SHARD}
    assets = [
        a
        for a in dg.load_assets_from_modules([graph_assets, recommend_assets])
        if a.partitions_def is None and a.keys & keys
    ]
    result = dg.materialize(
        assets,
        selection=dg.AssetSelection.assets(*keys),
        resources={"warehouse": Warehouse(database=str(hub))},
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
    if not result.success:
        raise SystemExit("the cross-shard steps failed")
    for event in result.get_step_success_events():
        seconds = event.event_specific_data.duration_ms / 1000
        print(f"step {event.step_key} {seconds:.1f}")


def measured(argv: list[str]) -> tuple[float, float, float, str, int]:
    """(wall s, CPU s, peak RSS GB, stdout, exit status) of ``argv`` in a fresh process."""
    # the child's output goes to a file: a pipe nobody reads until the end fills up and
    # blocks the child (DuckDB's progress bar alone writes more than a pipe holds)
    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=log, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        log.seek(0)
        out = log.read()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024**2, out, status


def cross_shard(hub: Path) -> tuple[float, float, float, list[tuple[str, float]]]:
    """(wall s, CPU s, peak RSS GB, step times) of the cross-shard steps in a fresh process."""
    argv = [sys.executable, __file__, "--cross-shard-child", "--hub", str(hub)]
    wall, cpu, rss, out, status = measured(argv)
    if status != 0:
        raise SystemExit(f"the cross-shard steps failed (exit status {status})")
    steps = [
        (line.split()[1], float(line.split()[2]))
        for line in out.splitlines()
        if line.startswith("step ")
    ]
    return wall, cpu, rss, steps


def one_shard(hub: Path, shard: int, shards: int) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS GB, customers) of building one shard in a fresh process."""
    code = (
        "import sys; from pathlib import Path; from pipelines.shards import build_shard; "
        f"s = build_shard(Path({str(hub)!r}), {shard}, {shards}); print(s.customers)"
    )
    wall, cpu, rss, out, status = measured([sys.executable, "-c", code])
    if status != 0:
        raise SystemExit(f"shard {shard} of {shards} failed (exit status {status})")
    return wall, cpu, rss, int(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", type=Path, required=True, help="a warehouse the main job built")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--cross-shard-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.hub.exists():
        print(f"error: no warehouse at {args.hub}", file=sys.stderr)
        return 2
    if args.cross_shard_child:
        cross_shard_child(args.hub)
        return 0
    hub_wall, hub_cpu, hub_rss, steps = cross_shard(args.hub)
    print(f"cross-shard steps at the hub: {hub_wall:.1f} s, {hub_rss:.2f} GB")
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
        f"| cross-shard steps (hub) | - | {customers:,} | {hub_wall:.1f} | {hub_cpu:.1f} "
        f"| {hub_rss:.2f} |",
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
        "Cross-shard steps at the hub, the steps' own times:",
        "",
        "| step | s |",
        "|---|---|",
        *(f"| {step} | {seconds:.1f} |" for step, seconds in sorted(steps, key=lambda s: -s[1])),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (RESULTS / f"shards-{customers}.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
