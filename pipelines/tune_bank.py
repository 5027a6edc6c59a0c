"""Tune the bank's recommenders on a built warehouse (wealthgraph.recommend.bank_tuning).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m pipelines.tune_bank --db WAREHOUSE [--trials 30]

Replays the warehouse at the validation cutoff with the production assets, searches the product
ALS, the blend weights and the topic ALS on the labels after it, and prints the RecommendConfig
lines to paste.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import time
import warnings
from pathlib import Path

import duckdb
import polars as pl

from pipelines.replay import replay_at
from wealthgraph.config import RECOMMEND
from wealthgraph.recommend import bank_tuning
from wealthgraph.recommend import evaluate as ev
from wealthgraph.warehouse import connect, latest_day


def tune_bank(
    db: Path, scratch: Path, trials: int = 30, seed: int = 42, within: float = 0.001
) -> bank_tuning.Tuned:
    """Replay ``db`` at the validation cutoff (in ``scratch``, kept for re-runs) and search."""
    # read what to replay from the warehouse itself (a reader, beside any run), and stop before
    # copying gigabytes when its history is too short
    with connect(db, read_only=True) as source:
        as_of = latest_day(source)
        first = source.execute("select min(partition_date) from core.events").fetchone()[0]
    cutoff = bank_tuning.validation_cutoff(as_of)
    if first is None or (cutoff - first).days + 1 < RECOMMEND.eval_min_history_days:
        raise SystemExit(
            f"{db}: the validation cutoff {cutoff} has less than "
            f"{RECOMMEND.eval_min_history_days} days of events before it (first {first}); "
            "tuning needs a warehouse with more history"
        )
    # the cached copy and replay belong to this very file: another warehouse, or this one
    # rebuilt since, gets its own folder instead of yesterday's replay
    stat = db.stat()
    key = f"{db.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    scratch = scratch / hashlib.sha1(key.encode()).hexdigest()[:12]
    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / "source.duckdb"
    if not copy.exists():
        shutil.copy(db, copy)  # replay_at attaches its target: the source must be writable
    con = duckdb.connect(str(copy))
    end = ev.window_end(cutoff, as_of)
    target = scratch / f"replay-{cutoff}.duckdb"
    if not target.exists():
        started = time.perf_counter()
        replay_at(con, cutoff, target)
        print(f"replayed at {cutoff} in {time.perf_counter() - started:.0f} s")
    labels = ev.held_out_pairs(con, cutoff, end)
    with duckdb.connect(str(target), read_only=True) as replay:
        product_als, weights, cap, rows = bank_tuning.tune_products(
            replay, labels["product"], cutoff, trials, seed, within=within
        )
        topic_als, topic_rows = bank_tuning.tune_topics(
            replay, labels["topic_any"], cutoff, trials, seed, within=within
        )
    return bank_tuning.Tuned(
        cutoff, product_als, weights, cap, topic_als, pl.DataFrame(rows + topic_rows)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.tune_bank", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--db", type=Path, required=True, help="a built warehouse (DuckDB file)")
    parser.add_argument("--trials", type=int, default=30, help="optuna trials per search")
    parser.add_argument("--seed", type=int, default=42, help="optuna and ALS seed (default 42)")
    parser.add_argument(
        "--scratch",
        type=Path,
        default=Path("/tmp/wealthgraph-tune"),
        help="where the copy and the replay are kept, per warehouse file (default %(default)s)",
    )
    parser.add_argument(
        "--within",
        type=float,
        default=0.001,
        help="pick the cheapest ALS (factors x iterations) scoring at most this much nDCG below "
        "the best (default %(default)s; 0 picks the best)",
    )
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"error: no warehouse at {args.db} (build one with wealthgraph run)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    warnings.filterwarnings("ignore", message="OpenBLAS is configured", category=RuntimeWarning)
    tuned = tune_bank(args.db, args.scratch, args.trials, args.seed, args.within)
    pl.Config.set_tbl_rows(-1)
    pl.Config.set_fmt_str_lengths(120)
    pl.Config.set_tbl_width_chars(200)
    print(f"validation cutoff {tuned.cutoff}")
    print(tuned.scores)
    print("RecommendConfig:")
    print(tuned.config_lines())
    print(f"wall time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
