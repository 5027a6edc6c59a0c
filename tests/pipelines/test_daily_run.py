"""A daily run (yesterday's warehouse + one more day) leaves the per-day and per-month tables,
and what is summed from them, as a full run to the same day does."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import dagster as dg
import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines.definitions import build_definitions
from pipelines.run import failures, materialize_range
from pipelines.sql_asset import BY_DAY, BY_MONTH
from tests.conftest import cut_landing, full_and_daily, sample_days
from wealthgraph import catalog, landing
from wealthgraph.settings import Settings

# per-day tables whose rows read earlier days too (a lookback): a payment keeps the features
# and score it was given, so a corrected earlier day leaves later days' rows as they were
LOOKS_BACK = {"features.risk_payments", "marts.risk_signals", "marts.alerts"}
# built from the per-day tables: equal up to the float sum's order
SUMMED = {"graph.edges": ["src_id", "dst_id"]}


def _table(db, table: str, order: list[str]) -> pl.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select * from {table} order by {', '.join(order)}").pl()


def _run(
    settings: Settings,
    first: dt.date,
    last: dt.date,
    as_of: dt.date | None = None,
    tables: tuple[str, ...] = (*BY_DAY, *SUMMED),
) -> None:
    """The main job cut down to ``tables`` (the per-day tables and graph.edges) and what they
    read."""
    full = build_definitions(settings)
    wanted = [dg.AssetKey(t.split(".")) for t in tables]
    job = dg.define_asset_job(
        "main_job",
        selection=dg.AssetSelection.assets(*wanted).upstream().required_multi_asset_neighbors(),
    )
    defs = dg.Definitions(
        assets=full.assets, jobs=[job], resources=full.resources, executor=dg.in_process_executor
    )
    result = materialize_range(
        settings, first.isoformat(), last.isoformat(), as_of=as_of or last, defs=defs
    )
    assert result.success, failures(result)


def _keys(table: str) -> list[str]:
    """The table's grain (its .yml), and its day."""
    return [*dict.fromkeys([*catalog.table(table).grain, BY_DAY[table]])]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(full run to the last day, full run to the day before + a daily run of the last day)."""
    days = sample_days()[:3]
    full, daily, root = full_and_daily(tmp_path_factory, days, _run)
    return full, daily, days, root


def test_per_day_tables_are_registered():
    assert set(BY_DAY) == {
        "features.user_daily_activity",
        "graph.edge_days",
        "features.risk_payments",
        "marts.alerts",
        "marts.risk_signals",
    }


@pytest.mark.parametrize("table", sorted(BY_DAY))
def test_a_daily_run_writes_what_a_full_run_writes(runs, table):
    full, daily, days, _ = runs
    expected = _table(full.database, table, _keys(table))
    got = _table(daily.database, table, _keys(table))
    assert expected[BY_DAY[table]].n_unique() == len(days)
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-12)


@pytest.mark.parametrize("table", sorted(SUMMED))
def test_tables_summed_from_the_days_agree(runs, table):
    full, daily, _, _ = runs
    expected = _table(full.database, table, SUMMED[table])
    assert expected.height > 0
    assert_frame_equal(
        _table(daily.database, table, SUMMED[table]), expected, check_exact=False, rel_tol=1e-12
    )


def test_a_corrected_day_replaces_only_its_own_rows(runs, tmp_path):
    """A late correction of an earlier day, re-run as that day's partition, changes that day's
    rows and leaves every other day's as they were."""
    full, _, days, root = runs
    fixed = days[1]
    path = landing.source_path(root, landing.EVENTS, fixed)
    rows = [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
    kept = rows[: len(rows) // 2]
    corrected = cut_landing(tmp_path / "landing", days)
    landing.source_path(corrected, landing.EVENTS, fixed).write_bytes(
        gzip.compress("".join(json.dumps(r) + "\n" for r in kept).encode())
    )
    settings = Settings(landing=corrected, database=tmp_path / "wh.duckdb")
    _run(settings, days[0], days[-1])
    before = {t: _table(settings.database, t, _keys(t)) for t in BY_DAY}
    # the original file comes back (the correction), and only its day is run again
    landing.source_path(corrected, landing.EVENTS, fixed).write_bytes(path.read_bytes())
    _run(settings, fixed, fixed, as_of=days[-1])
    for table, day in BY_DAY.items():
        after = _table(settings.database, table, _keys(table))
        other = pl.col(day) != fixed
        assert_frame_equal(after.filter(other), before[table].filter(other))
        assert after.filter(~other).height > before[table].filter(~other).height
        # and the whole table is again what the full run over the uncorrected files wrote (up
        # to the corrected day, for a table that looks back)
        expected = _table(full.database, table, _keys(table))
        if table in LOOKS_BACK:
            after, expected = (t.filter(pl.col(day) <= fixed) for t in (after, expected))
        assert_frame_equal(after, expected, check_exact=False, rel_tol=1e-12)


@pytest.mark.parametrize("present", [True, False])
def test_a_replay_takes_the_days_up_to_its_cutoff(runs, tmp_path, present):
    """Copied from the warehouse, or built from the replay's own core when the warehouse
    predates the per-day tables; the same rows either way."""
    from pipelines.replay import _DATED_BY, _copy_days
    from wealthgraph.warehouse import connect

    full, _, days, _ = runs
    cutoff = days[-2]
    source = tmp_path / "source.duckdb"
    source.write_bytes(full.database.read_bytes())
    target = tmp_path / "replay.duckdb"
    connect(target).close()
    with duckdb.connect(str(source)) as con:
        if not present:
            for table in BY_DAY:
                con.execute(f"drop table {table}")
        con.execute(f"attach '{target}' as replay")
        # core as replay_at copies it: the daily sources up to the cutoff, the reference whole
        for source in landing.SOURCES.values():
            dated = _DATED_BY.get(source.name)
            where = f"where {dated} <= '{cutoff}'" if dated else ""
            con.execute(
                f"insert into replay.core.{source.name} select * from core.{source.name} {where}"
            )
        _copy_days(con, cutoff)
        con.execute("detach replay")
    for table, day in BY_DAY.items():
        expected = _table(full.database, table, _keys(table)).filter(pl.col(day) <= cutoff)
        assert expected.height > 0
        assert_frame_equal(_table(target, table, _keys(table)), expected)


def test_per_month_tables_are_registered():
    assert BY_MONTH == {"marts.wealth_history": "month"}


def test_a_daily_run_writes_only_its_own_month(tmp_path):
    """The months before the daily run's are left as they were (a tampered closed month stays
    tampered); its own month is written as a full run writes it, and so is a replay's."""
    from pipelines.replay import _copy_days
    from wealthgraph.warehouse import connect

    days = [dt.date(2026, 9, 30), *sample_days()[:2]]  # September's month-end snapshot, October
    root = cut_landing(tmp_path / "landing", days)
    tables = tuple(BY_MONTH)
    key = ["customer_id", "month"]

    def run(name: str, first: dt.date, last: dt.date) -> Settings:
        settings = Settings(landing=root, database=tmp_path / f"{name}.duckdb")
        _run(settings, first, last, tables=tables)
        return settings

    full, cut = run("full", days[0], days[-1]), run("cut", days[0], days[-2])
    daily = Settings(landing=root, database=tmp_path / "daily.duckdb")
    daily.database.write_bytes(cut.database.read_bytes())
    with duckdb.connect(str(daily.database)) as con:
        con.execute("update marts.wealth_history set net_worth = -1 where month < '2026-10-01'")
    _run(daily, days[-1], days[-1], as_of=days[-1], tables=tables)

    expected = _table(full.database, "marts.wealth_history", key)
    got = _table(daily.database, "marts.wealth_history", key)
    september = pl.col("month") == dt.date(2026, 9, 1)
    assert got.filter(september).height == expected.filter(september).height > 1000
    assert (got.filter(september)["net_worth"] == -1).all(), "a closed month was rewritten"
    assert_frame_equal(got.filter(~september), expected.filter(~september))
    assert set(got.filter(~september)["snapshot_date"]) == {days[-1]}

    # a replay at the day before: September copied, October built as of its cutoff
    target = tmp_path / "replay.duckdb"
    connect(target).close()
    with duckdb.connect(str(full.database)) as con:
        con.execute(f"attach '{target}' as replay")
        for source in ("snapshots", "products", "enums"):
            con.execute(f"insert into replay.core.{source} select * from core.{source}")
        con.execute("delete from replay.core.snapshots where as_of > ?", [days[-2]])
        _copy_days(con, days[-2])
        con.execute("detach replay")
    assert_frame_equal(
        _table(target, "marts.wealth_history", key),
        _table(cut.database, "marts.wealth_history", key),
    )


def test_an_old_day_run_again_leaves_the_history_to_the_next_run(tmp_path):
    """Re-running an earlier day (as of that day) leaves the history as of that day; the next
    daily run writes every month from there on again, as a full run would."""
    # August's and September's month-end snapshots, then two October days
    days = [dt.date(2026, 8, 31), dt.date(2026, 9, 30), *sample_days()[:2]]
    root = cut_landing(tmp_path / "landing", days)
    tables = tuple(BY_MONTH)
    key = ["customer_id", "month"]
    full = Settings(landing=root, database=tmp_path / "full.duckdb")
    _run(full, days[0], days[-1], tables=tables)
    settings = Settings(landing=root, database=tmp_path / "wh.duckdb")
    _run(settings, days[0], days[-2], tables=tables)
    _run(settings, days[0], days[0], as_of=days[0], tables=tables)  # August again, as of 8-31
    history = _table(settings.database, "marts.wealth_history", key)
    assert history["month"].max() == dt.date(2026, 8, 1)
    _run(settings, days[-1], days[-1], as_of=days[-1], tables=tables)
    assert_frame_equal(
        _table(settings.database, "marts.wealth_history", key),
        _table(full.database, "marts.wealth_history", key),
    )
