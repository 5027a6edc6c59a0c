"""The daily run's promise, table by table: yesterday's warehouse plus a daily run of today
leaves every contract table as a full run to today does (as of today, for the tables that keep
each run date's slice).

Exactly for the deterministic tables. The product recommendations come from the warm-started
ALS (yesterday's item factors, today's customers solved against them), so they are compared by
the set of products each customer is offered: on the 2,000-customer sample 95.5% get the same
five, where the full refit's item factors move more with one day's data than at scale (at 100k
customers 99.4% get the same five from 10-day-old factors:
benchmarks/results/recommend-warm-start.md).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines.run import failures, materialize_range
from tests.conftest import full_and_daily, sample_days
from wealthgraph.publish import OPTIONAL, PUBLISHED
from wealthgraph.settings import Settings

# what the run writes about itself rather than about the data: when, and which run
RUN_COLUMNS = {
    "quality.landing_files": {"ingested_at", "run_id"},
    "quality.ingest_audit": {"ingested_at", "run_id"},
}
# scored by the warm-started product model: compared by what each customer is offered
MODELLED = {"marts.recommendations"}
CONTRACT = sorted(set(PUBLISHED) - OPTIONAL - MODELLED)


def _run(settings: Settings, first: dt.date, last: dt.date) -> None:
    result = materialize_range(settings, first.isoformat(), last.isoformat(), as_of=last)
    assert result.success, failures(result)


def _table(db, table: str) -> pl.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = ? "
                "and table_name = ? order by column_index",
                table.split("."),
            ).fetchall()
            if c not in RUN_COLUMNS.get(table, set())
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        # a table kept by as_of holds each run date's slice: the daily warehouse has one more
        latest = f" where as_of = (select max(as_of) from {table})" if "as_of" in columns else ""
        return con.execute(f"select {select} from {table}{latest} order by all").pl()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(full run to the last day, full run to the day before + the daily run of the last)."""
    full, daily, _ = full_and_daily(tmp_path_factory, sample_days(), _run)
    return full, daily


@pytest.mark.parametrize("table", CONTRACT)
def test_a_daily_run_leaves_the_table_a_full_run_leaves(runs, table):
    full, daily = runs
    expected = _table(full.database, table)
    got = _table(daily.database, table)
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-12)


def _offers(db) -> pl.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select customer_id, kind, list(item_id order by item_id) as items "
            "from marts.recommendations "
            "where as_of = (select max(as_of) from marts.recommendations) group by all"
        ).pl()


def test_the_warm_started_products_are_the_same_for_nearly_every_customer(runs):
    full, daily = runs
    expected, got = _offers(full.database), _offers(daily.database)
    both = expected.join(got, on=["customer_id", "kind"], how="full", coalesce=True)
    assert both.height == expected.height == got.height
    same = both.group_by("kind").agg((pl.col("items") == pl.col("items_right")).mean())
    shares = dict(same.iter_rows())
    assert shares.pop("product") >= 0.9, shares
    # the other kinds do not use the product model: exactly the same
    assert all(share == 1.0 for share in shares.values()), shares


def test_the_published_copy_serves_the_latest_slice_and_links_the_older_ones(runs):
    """The daily warehouse holds two run dates' slices: the published file serves the latest,
    the Parquet history has both, and yesterday's is yesterday's file (a hard link), not a
    second copy."""
    from wealthgraph.publish import current, read_manifest

    _, daily = runs
    now = current(daily.published)
    earlier = [read_manifest(p) for p in sorted(daily.published.glob("v*")) if p != now.path]
    assert earlier, "the run to the day before published a version too"
    before = earlier[-1]
    # tables rebuilt whole (an as_of column, one slice) are published the same way
    kept = {table: slices for table, slices in now.slices.items() if len(slices) == 2}
    assert {"marts.wealth_summary", "marts.recommendations", "marts.user_profile"} <= set(kept)
    with duckdb.connect(str(now.database), read_only=True) as con:
        for table, slices in kept.items():
            latest = max(slices)
            served = con.execute(f"select distinct as_of::varchar from {table}").fetchall()
            assert served == [(latest,)], table
            assert now.tables[table] == slices[latest]
            folder = now.path / "parquet" / table
            for as_of, rows in slices.items():
                path = folder / f"as_of={as_of}.parquet"
                assert duckdb.sql(f"select count(*) from '{path}'").fetchone()[0] == rows
            old = f"as_of={min(slices)}.parquet"
            assert (folder / old).stat().st_ino == (
                before.path / "parquet" / table / old
            ).stat().st_ino, table
            assert (folder / f"as_of={latest}.parquet").stat().st_nlink == 1, table
