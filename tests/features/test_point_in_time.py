"""Features as of a date use only rows up to that date."""

from __future__ import annotations

import datetime as dt

import polars as pl

from features.behaviour import period_behaviour
from features.engagement import engagement

D = dt.date(2026, 1, 31)


def daily(rows: list[tuple[str, dt.date, int]]) -> pl.LazyFrame:
    from features.behaviour import MEASURES

    frame = pl.DataFrame(rows, schema=["customer_id", "activity_date", "events"], orient="row")
    return frame.with_columns(pl.col("events").alias(m) for m in MEASURES if m != "events").lazy()


CUSTOMERS = pl.LazyFrame(
    {
        "customer_id": ["old", "new", "later"],
        "registered_at": [dt.date(2020, 1, 1), dt.date(2026, 1, 20), dt.date(2026, 2, 5)],
    }
)


def test_future_rows_change_nothing():
    past = [("old", D - dt.timedelta(days=k), 1) for k in (0, 3, 40)] + [("new", D, 2)]
    future = [("old", D + dt.timedelta(days=1), 9), ("later", D + dt.timedelta(days=6), 1)]
    assert engagement(daily(past + future), CUSTOMERS, D).equals(
        engagement(daily(past), CUSTOMERS, D)
    )
    assert period_behaviour(daily(past + future), D).equals(period_behaviour(daily(past), D))


def test_lifecycle_stages_at_their_thresholds():
    rows = [("old", D - dt.timedelta(days=30), 1)]  # last seen exactly 30 days ago: dormant
    rows += [("new", D, 1)]
    frame = engagement(daily(rows), CUSTOMERS, D)
    stages = dict(zip(frame["customer_id"], frame["lifecycle_stage"], strict=True))
    assert stages == {"old": "dormant", "new": "new"}  # "later" is not registered yet

    at_risk = [("old", D - dt.timedelta(days=k), 1) for k in range(30, 40)]  # 10 days before
    at_risk += [("old", D - dt.timedelta(days=k), 1) for k in range(0, 4)]  # 4 now: < half
    assert (
        engagement(daily(at_risk), CUSTOMERS, D).filter(customer_id="old")["lifecycle_stage"].item()
        == "at_risk"
    )
    steady = at_risk + [("old", D - dt.timedelta(days=k), 1) for k in range(4, 5)]  # 5 = half
    assert (
        engagement(daily(steady), CUSTOMERS, D).filter(customer_id="old")["lifecycle_stage"].item()
        == "active"
    )


def test_period_change_is_current_minus_previous():
    rows = [
        ("old", D, 3),
        ("old", D - dt.timedelta(days=29), 2),
        ("old", D - dt.timedelta(days=30), 4),
    ]
    frame = period_behaviour(daily(rows), D, days=30)
    row = frame.row(0, named=True)
    assert (row["events"], row["prev_events"], row["events_change"]) == (5, 4, 1)
    assert (row["active_days"], row["prev_active_days"]) == (2, 1)
