"""The check that features.risk_payments never reads the future.

Cut the inputs at a moment inside a day and build that day's features again: core.events at
the moment, and the inputs read by day (snapshots, the per-day activity, the reference
friendships) before the day. A payment made before the cut must get exactly the
features it has in the table, because nothing after it may have counted. A feature that peeks
ahead (a window running past the current row, the day's closing balance) changes for some
payment and is caught.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from wealthgraph.config import sql_params
from wealthgraph.sql import bind, load_sql

# input -> the rows of it known at the cut ({cut}: the moment, {day}: the cut's day)
CUTS = {
    "core.events": "ts <= timestamp '{cut}'",
    "core.snapshots": "as_of < date '{day}'",
    "core.friendships": "since < date '{day}'",
    "features.user_daily_activity": "activity_date < date '{day}'",
}


def future_reads(
    con: duckdb.DuckDBPyConnection, day: dt.date, cut: dt.datetime, sql: str | None = None
) -> tuple[int, int]:
    """(payments compared, payments whose features differ) for ``day``'s payments at or
    before ``cut``, rebuilt from ``sql`` (default: sql/features/risk_payments.sql) with its
    inputs cut at ``cut``."""
    sql = sql or load_sql("features", "risk_payments")
    views = []
    for table, where in CUTS.items():
        view = "cut_" + table.replace(".", "_")
        # a view cannot be prepared with parameters: the cut goes in as a literal (a date and
        # a datetime, so only digits and separators)
        condition = where.format(cut=cut.isoformat(sep=" "), day=day.isoformat())
        con.execute(
            f"create or replace temp view {view} as select * from {table} where {condition}"
        )
        sql = sql.replace(table, view)
        views.append(view)
    try:
        used = bind(sql, {**sql_params(), "first_day": day, "last_day": day}, "risk_payments")
        rebuilt = con.execute(sql, used).pl().filter(pl.col("ts") <= cut)
    finally:
        for view in views:
            con.execute(f"drop view {view}")
    stored = con.execute(
        "select * from features.risk_payments where partition_date = ? and ts <= ?", [day, cut]
    ).pl()
    if rebuilt.height != stored.height:
        return stored.height, abs(rebuilt.height - stored.height)
    both = stored.join(rebuilt, on="event_id", how="left", suffix="_cut")
    columns = [c for c in stored.columns if c != "event_id"]
    differs = pl.any_horizontal(_differs(c, stored.schema[c]) for c in columns)
    return stored.height, both.filter(differs).height


def _differs(column: str, dtype: pl.DataType) -> pl.Expr:
    a, b = pl.col(column), pl.col(f"{column}_cut")
    if dtype.is_float():
        # sums of floats may add up in another order on another run: allow rounding
        close = (a - b).abs() <= 1e-9 * (1 + a.abs())
        return (a.is_null() != b.is_null()) | (a.is_not_null() & ~close.fill_null(True))
    return a.ne_missing(b)
