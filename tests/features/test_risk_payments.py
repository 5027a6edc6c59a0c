"""features.risk_payments reads nothing after a payment, and the blocking check proves it: a
planted look-ahead fails marts.risk_signals' no_future_data check."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.marts import risk as risk_assets
from wealthgraph.config import sql_params
from wealthgraph.risk import point_in_time
from wealthgraph.sql import bind, load_sql

HONEST = load_sql("features", "risk_payments")
# each a plausible slip: a window that runs past the current row; the day's closing balance
# (known only at midnight) taken for the balance the payment met
LEAKS = {
    "window_runs_ahead": (
        (
            "range between unbounded preceding and current row exclude group",
            "range between unbounded preceding and unbounded following exclude current row",
        ),
    ),
    "closing_balance": (
        ("s.as_of + 1 as partition_date", "s.as_of as partition_date"),
        (
            "s.as_of between $first_day - 1 and $last_day - 1",
            "s.as_of between $first_day and $last_day",
        ),
    ),
}


def last_day(con) -> dt.date:
    return con.execute("select max(partition_date) from features.risk_payments").fetchone()[0]


def rebuild(con, sql: str, day: dt.date) -> None:
    used = bind(sql, {**sql_params(), "first_day": day, "last_day": day}, "risk_payments")
    con.execute("delete from features.risk_payments where partition_date = ?", [day])
    con.execute(f"insert into features.risk_payments by name {sql}", used)


def test_the_features_of_a_payment_ignore_everything_after_it(sample_copy):
    day = last_day(sample_copy)
    for hour in (9, 12, 18):
        cut = dt.datetime.combine(day, dt.time(hour))
        compared, changed = point_in_time.future_reads(sample_copy, day, cut)
        assert compared > 0
        assert changed == 0


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_a_planted_look_ahead_fails_the_blocking_check(sample_copy, monkeypatch, leak):
    sql = HONEST
    for honest, leaky in LEAKS[leak]:
        assert honest in sql
        sql = sql.replace(honest, leaky)
    day = last_day(sample_copy)
    rebuild(sample_copy, sql, day)
    monkeypatch.setattr(point_in_time, "load_sql", lambda schema, table: sql)
    results = {r.check_name: r for r in risk_assets._checks(sample_copy, day, day)}
    assert not results["no_future_data"].passed
    # the honest file, rebuilt, passes again
    rebuild(sample_copy, HONEST, day)
    monkeypatch.setattr(point_in_time, "load_sql", lambda schema, table: HONEST)
    results = {r.check_name: r for r in risk_assets._checks(sample_copy, day, day)}
    assert results["no_future_data"].passed


def test_the_sample_run_passed_every_risk_check(con):
    day = con.execute("select max(partition_date) from marts.risk_signals").fetchone()[0]
    for result in risk_assets._checks(con, day, day):
        assert result.passed, result
