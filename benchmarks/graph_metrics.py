"""Time the graph fast path against pure networkx on generated heavy-tailed graphs.

Graphs are generated into a temporary folder first; each stage then runs in its own subprocess
that reads one, so its peak RSS (``ru_maxrss``) is its own and not the generator's:

    .venv/bin/python benchmarks/graph_metrics.py                 # 1M nodes fast, 100k both ways
    .venv/bin/python benchmarks/graph_metrics.py --nodes 200000 --nx-nodes 20000 --pymk-users 0

Stages: ``node_metrics`` on ``--nodes`` nodes, once per ``--methods`` community method (Leiden,
the default, and Louvain: modularity and seconds side by side); ``networkx_metrics`` and
``node_metrics`` on ``--nx-nodes`` nodes (the same graph); ``people_you_may_know`` on
``--pymk-users`` customers, once per ``--pymk-max-via`` bound of the two-hop product ("none"
for unbounded).
The graph: ``--edges-per-node`` edge draws per node, one endpoint drawn with a power-law
activity (Chung-Lu style, degree exponent ~2.5), the other from the same 200-node block with
probability 0.7 (communities, triangles) or again by activity; self-loops dropped, repeats
merged by summing weights. The pymk graph uses degree exponent 3 (average degree ~19) and adds
~2 group memberships per customer in groups of 3..299, mostly from one block. Timings move by
up to 2x on a shared 2-core machine: compare runs made at the same time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from wealthgraph.graph import (
    modularity,
    networkx_metrics,
    node_metrics,
    people_you_may_know,
    to_networkx,
)

BLOCK = 200
LOCAL = 0.7


def heavy_tailed_edges(n: int, per_node: float, seed: int, exponent: float = 2.5) -> pl.DataFrame:
    """Unique undirected weighted edges ``src_id < dst_id`` on ids ``u0000000``.. (see module)."""
    rng = np.random.default_rng(seed)
    m = int(n * per_node)
    activity = rng.permutation(np.arange(1, n + 1, dtype=np.float64) ** (-1 / (exponent - 1)))
    cdf = np.cumsum(activity)
    cdf /= cdf[-1]
    src = np.minimum(np.searchsorted(cdf, rng.random(m)), n - 1)
    far = np.minimum(np.searchsorted(cdf, rng.random(m)), n - 1)
    near = np.minimum((src // BLOCK) * BLOCK + rng.integers(0, BLOCK, m), n - 1)
    dst = np.where(rng.random(m) < LOCAL, near, far)
    frame = pl.DataFrame(
        {
            "lo": np.minimum(src, dst),
            "hi": np.maximum(src, dst),
            "weight": rng.lognormal(0.0, 0.5, m),
        }
    ).filter(pl.col("lo") != pl.col("hi"))
    return (
        frame.group_by("lo", "hi")
        .agg(pl.col("weight").sum())
        .select(src_id=_ids("lo"), dst_id=_ids("hi"), weight=pl.col("weight"))
        .sort("src_id", "dst_id")
    )


def _ids(column: str) -> pl.Expr:
    # Zero-padded, so string order is integer order and src_id < dst_id holds.
    return pl.format("u{}", pl.col(column).cast(pl.String).str.zfill(7))


def memberships_for(n: int, seed: int, per_user: float = 2.0) -> pl.DataFrame:
    """Group memberships: groups of 3..300 members, mostly drawn from one 200-node block."""
    rng = np.random.default_rng(seed + 1)
    sizes = rng.integers(3, 300, int(n * per_user / 150))
    group = np.repeat(np.arange(len(sizes)), sizes)
    home = np.repeat(rng.integers(0, n, len(sizes)), sizes)
    spread = np.where(rng.random(len(group)) < 0.8, rng.integers(0, BLOCK, len(group)), 0)
    member = np.where(spread > 0, (home // BLOCK) * BLOCK + spread, rng.integers(0, n, len(group)))
    return pl.DataFrame({"i": np.minimum(member, n - 1), "group_id": group}).select(
        customer_id=_ids("i"), group_id=pl.format("g{}", pl.col("group_id"))
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _files(workdir: Path, kind: str, nodes: int) -> tuple[Path, Path]:
    stem = workdir / f"{kind}_{nodes}"
    return stem.with_suffix(".edges.parquet"), stem.with_suffix(".groups.parquet")


def run_stage(args: argparse.Namespace) -> dict[str, Any]:
    """One stage in this process, on graphs the ``generate`` stage left in ``--workdir``."""
    # pymk gets a friend graph with lighter tails (exponent 3, average degree ~19).
    kind = "pymk" if args.stage in ("generate-pymk", "pymk") else "metrics"
    edges_path, groups_path = _files(args.workdir, kind, args.nodes)
    if args.stage.startswith("generate"):
        exponent = 3.0 if kind == "pymk" else 2.5
        heavy_tailed_edges(args.nodes, args.edges_per_node, args.seed, exponent).write_parquet(
            edges_path
        )
        if kind == "pymk":
            memberships_for(args.nodes, args.seed).write_parquet(groups_path)
        return {}
    edges = pl.read_parquet(edges_path)
    result: dict[str, Any] = {"nodes": args.nodes, "edges": edges.height}
    if args.stage == "pymk":
        groups = pl.read_parquet(groups_path)
        result["input_mb"] = _peak_mb()
        max_via = None if args.max_via == "none" else int(args.max_via)
        out, result["wall_s"] = _timed(lambda: people_you_may_know(edges, groups, max_via=max_via))
        result["peak_mb"] = _peak_mb()
        note = f"{out.height:,} suggestions, max_via {args.max_via}"
        return result | {"stage": "people_you_may_know", "note": note}
    if args.stage == "fast":
        result["input_mb"] = _peak_mb()
        out, result["wall_s"] = _timed(
            lambda: node_metrics(edges, seed=args.seed, method=args.method)
        )
        result["peak_mb"] = _peak_mb()
        note = f"{args.method}: {_communities(edges, out)}"
        return result | {"stage": "node_metrics", "note": note}
    G, build = _timed(lambda: to_networkx(edges))
    result["input_mb"] = _peak_mb()
    out, result["wall_s"] = _timed(lambda: networkx_metrics(G, seed=args.seed))
    result["peak_mb"] = _peak_mb()
    note = f"{_communities(edges, out)}; + {build:.1f} s to build the nx.Graph"
    return result | {"stage": "networkx_metrics", "note": note, "build_s": build}


def _communities(edges: pl.DataFrame, metrics: pl.DataFrame) -> str:
    # Measured after the timed call, so the score costs the timings nothing.
    q = modularity(edges, metrics)
    return f"{metrics['community_id'].n_unique():,} communities, modularity {q:.4f}"


def _subprocess(
    stage: str, nodes: int, args: argparse.Namespace, option: str = "leiden"
) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--stage", stage, "--nodes", str(nodes)]
    cmd += ["--method" if stage == "fast" else "--max-via", option]
    cmd += ["--edges-per-node", str(args.edges_per_node), "--seed", str(args.seed)]
    cmd += ["--workdir", str(args.workdir)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _row(r: dict[str, Any]) -> str:
    return (
        f"{r['stage']:<20} {r['nodes']:>10,} {r['edges']:>11,} {r['wall_s']:>8.1f} "
        f"{r['peak_mb']:>8,.0f} {r['input_mb']:>9,.0f}  {r['note']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000, help="fast path graph size")
    parser.add_argument("--nx-nodes", type=int, default=100_000, help="networkx comparison size")
    parser.add_argument("--pymk-users", type=int, default=1_000_000, help="0 to skip")
    parser.add_argument("--edges-per-node", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--methods", default="leiden,louvain", help="community methods to time")
    parser.add_argument(
        "--pymk-max-via", default="50,none", help='two-hop bounds to time ("none": unbounded)'
    )
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--method", default="leiden", help=argparse.SUPPRESS)
    parser.add_argument("--max-via", default="50", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(run_stage(args)))
        return

    methods = args.methods.split(",")
    runs = [("fast", args.nodes, m) for m in methods]
    runs += [("networkx", args.nx_nodes, ""), ("fast", args.nx_nodes, methods[0])]
    if args.pymk_users:
        runs += [("pymk", args.pymk_users, k) for k in args.pymk_max_via.split(",")]
    header = (
        f"{'stage':<20} {'nodes':>10} {'edges':>11} {'wall_s':>8} {'peak_MB':>8} {'input_MB':>9}"
    )
    print(header + "  (peak_MB: stage process peak RSS; input_MB: peak before the timed call)")
    print("-" * (len(header) + 2))
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        args.workdir = Path(workdir)
        for stage, nodes, option in runs:
            kind = "pymk" if stage == "pymk" else "metrics"
            if not _files(args.workdir, kind, nodes)[0].exists():
                _subprocess("generate-pymk" if kind == "pymk" else "generate", nodes, args)
            results.append(_subprocess(stage, nodes, args, option))
            print(_row(results[-1]), flush=True)
    nx_run, fast_run = results[len(methods)], results[len(methods) + 1]
    ratio = nx_run["wall_s"] / fast_run["wall_s"]
    with_build = (nx_run["wall_s"] + nx_run["build_s"]) / fast_run["wall_s"]
    print(
        f"\nat {args.nx_nodes:,} nodes networkx_metrics / node_metrics = {ratio:.0f}x wall time "
        f"({with_build:.0f}x counting the nx.Graph build)"
    )


if __name__ == "__main__":
    main()
