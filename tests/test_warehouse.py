"""Tables kept by run date hold about a month of daily slices and each older month's last."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from wealthgraph.warehouse import keep_days, prune_slices, write_slice


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def test_a_daily_table_keeps_its_recent_days_and_each_months_last(monkeypatch):
    monkeypatch.delenv("WEALTHGRAPH_KEEP_DAYS", raising=False)
    assert keep_days() == 35
    con = duckdb.connect()
    con.execute("create schema marts")
    run_dates = _days(dt.date(2026, 7, 1), dt.date(2026, 10, 31))
    for day in run_dates:
        write_slice(con, "marts.trend", pl.DataFrame({"customer_id": ["C1", "C2"]}), day)
    kept = [
        d for (d,) in con.execute("select distinct as_of from marts.trend order by 1").fetchall()
    ]
    recent = [d for d in run_dates if d >= dt.date(2026, 10, 31) - dt.timedelta(days=35)]
    assert kept == [dt.date(2026, 7, 31), dt.date(2026, 8, 31), *recent]
    # every kept slice is whole
    assert con.execute("select count(*) from marts.trend").fetchone()[0] == 2 * len(kept)


def test_a_month_without_its_last_day_keeps_its_latest_run(monkeypatch):
    monkeypatch.setenv("WEALTHGRAPH_KEEP_DAYS", "3")
    con = duckdb.connect()
    con.execute("create table t (as_of date)")
    gaps = [
        dt.date(2026, 8, 20),
        dt.date(2026, 8, 27),
        *_days(dt.date(2026, 9, 1), dt.date(2026, 9, 10)),
    ]
    con.executemany("insert into t values (?)", [[d] for d in gaps])
    prune_slices(con, "t", dt.date(2026, 9, 10))
    kept = [d for (d,) in con.execute("select as_of from t order by 1").fetchall()]
    assert kept == [dt.date(2026, 8, 27), *_days(dt.date(2026, 9, 7), dt.date(2026, 9, 10))]


def test_the_keep_is_a_whole_number_of_days(monkeypatch):
    monkeypatch.setenv("WEALTHGRAPH_KEEP_DAYS", "0")
    with pytest.raises(ValueError, match="WEALTHGRAPH_KEEP_DAYS must be a whole number >= 1"):
        keep_days()
