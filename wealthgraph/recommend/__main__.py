"""Command line for recommender benchmarks: ``python -m wealthgraph.recommend lastfm [SRC]``.

A benchmark is run by hand when the model changes, so it prints everything (all rows and
columns, the validation grid's best points, the wall time) rather than a summary.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import polars as pl

from wealthgraph.recommend import lastfm
from wealthgraph.settings import ROOT

DEFAULT_LASTFM = ROOT.parent / "shared" / "datasets" / "lastfm_hetrec2011"
SHOW_VALIDATION = 5


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wealthgraph.recommend", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    bench = commands.add_parser(
        "lastfm",
        help="popularity vs ALS vs the tuned social blend on Last.fm HetRec 2011",
        description="Per-user 80/20 split; blend weights tuned on a validation split of the "
        "training share; test metrics at K for artists and for tags (topics).",
    )
    bench.add_argument(
        "src",
        nargs="?",
        type=Path,
        default=DEFAULT_LASTFM,
        help=f"folder with the HetRec files (default: {DEFAULT_LASTFM})",
    )
    bench.add_argument("--out", type=Path, help="also write the table to this CSV file")
    bench.add_argument("--seed", type=int, default=42, help="split and ALS seed (default 42)")
    bench.add_argument("-k", type=int, default=10, help="list length for metrics (default 10)")
    return parser


def run_lastfm(src: Path, out: Path | None, seed: int, k: int) -> int:
    """Run the Last.fm benchmark and print it; 2 when the data is not there."""
    started = time.perf_counter()
    if not src.is_dir():
        print(f"error: Last.fm dataset folder not found: {src}", file=sys.stderr)
        return 2
    try:
        data = lastfm.load(src)
    except FileNotFoundError as missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2
    # SocialBlend.fit already runs ALS with one BLAS thread; implicit warns at construction,
    # before that limit applies, so the warning is noise here
    warnings.filterwarnings("ignore", message="OpenBLAS is configured", category=RuntimeWarning)
    tables: dict[str, pl.DataFrame] = {}
    table = lastfm.evaluate(data, seed=seed, k=k, tables=tables)
    with pl.Config(
        tbl_rows=-1, tbl_cols=-1, tbl_width_chars=400, fmt_str_lengths=100, float_precision=4
    ):
        print(f"Last.fm HetRec 2011 from {src}: test metrics at K={k}, seed {seed}")
        print(table)
        for task, grid in tables.items():
            print(f"validation nDCG@{k} ({task}), best {SHOW_VALIDATION} of {grid.height} points:")
            print(grid.head(SHOW_VALIDATION))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        table.write_csv(out)
        print(f"wrote {out}")
    print(f"wall time: {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "lastfm":
        return run_lastfm(args.src.resolve(), args.out, args.seed, args.k)
    return 2  # argparse rejects unknown commands first; kept for type checkers


if __name__ == "__main__":
    sys.exit(main())
