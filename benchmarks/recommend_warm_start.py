"""The product model warm-started from older item factors, against a full fit of the same day.

    .venv/bin/python benchmarks/recommend_warm_start.py --db WAREHOUSE --earlier OLDER.duckdb [...]

``--earlier`` are warehouses (or evaluation replays) as of earlier days. Their product ALS is
fitted in full; then, on ``--db``'s day, the full fit (what a refit day does) is compared with
the warm start from each earlier fit's item factors (what the days between refits do): wall
time of the model, and how many customers get the same list (the same products in the same
order; the same products in any order). Lists are production's (``products.ranked_lists``).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from pathlib import Path

import duckdb
import numpy as np

from wealthgraph.config import RECOMMEND
from wealthgraph.recommend import products
from wealthgraph.warehouse import latest_day


def _inputs(path: Path) -> products.ProductInputs:
    with duckdb.connect(str(path), read_only=True) as con:
        return products.load_inputs(con, latest_day(con))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the day to recommend for")
    parser.add_argument("--earlier", type=Path, nargs="+", required=True)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="OpenBLAS is configured", category=RuntimeWarning)
    today = _inputs(args.db)
    started = time.perf_counter()
    full = products.fit(today)
    full_seconds = time.perf_counter() - started
    expected = products.ranked_lists(full)
    listed = (expected >= 0).any(axis=1)
    print(f"{args.db} as of {today.as_of}: {today.customers.height:,} customers")
    print("| item factors from | days old | fit s | same list | same products |")
    print("|---|---|---|---|---|")
    print(f"| a full fit of {today.as_of} | 0 | {full_seconds:.2f} | 1.000 | 1.000 |")
    for path in args.earlier:
        earlier = _inputs(path)
        stored = products.item_factors(products.fit(earlier), earlier.as_of)
        # as production keeps them, older than the refit age allowed, to see what age costs
        anyway = dataclasses.replace(RECOMMEND, product_refit_days=10**6)
        factors, why = products.kept_factors(stored, today, anyway)
        if factors is None:
            raise SystemExit(f"{path}: {why}")
        started = time.perf_counter()
        warm = products.fit(today, item_factors=factors)
        seconds = time.perf_counter() - started
        got = products.ranked_lists(warm)
        same = (got == expected).all(axis=1)[listed].mean()
        same_set = (np.sort(got, axis=1) == np.sort(expected, axis=1)).all(axis=1)[listed].mean()
        age = (today.as_of - earlier.as_of).days
        print(f"| {earlier.as_of} | {age} | {seconds:.2f} | {same:.3f} | {same_set:.3f} |")


if __name__ == "__main__":
    main()
