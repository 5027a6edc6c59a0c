"""Engagement and lifecycle of each customer as of a date, from daily activity rows."""

from __future__ import annotations

import datetime as dt

import polars as pl

# lifecycle thresholds: why these numbers is said next to each rule below
from wealthgraph.config import PROFILE


def engagement(daily: pl.LazyFrame, customers: pl.LazyFrame, as_of: dt.date) -> pl.DataFrame:
    """One row per customer: first/last seen, active days 7/30/90, recency, frequency, stage.

    ``daily`` has ``customer_id``, ``activity_date``, ``events`` (features.user_daily_activity);
    ``customers`` has ``customer_id`` and ``registered_at``. Rows after ``as_of`` are ignored.

    >>> import datetime as dt, polars as pl
    >>> d = pl.LazyFrame({"customer_id": ["a"], "activity_date": [dt.date(2026, 1, 5)],
    ...                   "events": [3]})
    >>> c = pl.LazyFrame({"customer_id": ["a"], "registered_at": [dt.date(2020, 1, 1)]})
    >>> engagement(d, c, dt.date(2026, 1, 10))["lifecycle_stage"].to_list()
    ['active']
    """
    age = (pl.lit(as_of) - pl.col("activity_date")).dt.total_days()
    activity = (
        daily.filter(pl.col("activity_date") <= as_of)
        .with_columns(age.alias("age_days"))
        .group_by("customer_id")
        .agg(
            pl.col("activity_date").min().alias("first_seen_on"),
            pl.col("activity_date").max().alias("last_seen_on"),
            (pl.col("age_days") < 7).sum().alias("active_days_7"),
            (pl.col("age_days") < 30).sum().alias("active_days_30"),
            (pl.col("age_days") < 90).sum().alias("active_days_90"),
            pl.col("age_days").is_between(30, 59).sum().alias("active_days_prev_30"),
            pl.col("events").filter(pl.col("age_days") < 30).sum().alias("events_30"),
        )
    )
    frame = (
        customers.filter(pl.col("registered_at") <= as_of)
        .select("customer_id", "registered_at")
        .join(activity, on="customer_id", how="left")
        .with_columns(
            pl.col(
                "active_days_7",
                "active_days_30",
                "active_days_90",
                "active_days_prev_30",
                "events_30",
            ).fill_null(0),
            (pl.lit(as_of) - pl.col("last_seen_on")).dt.total_days().alias("recency_days"),
        )
        .with_columns((pl.col("active_days_30") / 30).alias("frequency_30"))
    )
    stage = (
        pl.when(
            (pl.lit(as_of) - pl.col("registered_at")).dt.total_days() < PROFILE.new_customer_days
        )
        .then(pl.lit("new"))
        .when(
            pl.col("recency_days").is_null()
            | (pl.col("recency_days") >= PROFILE.dormant_after_days)
        )
        .then(pl.lit("dormant"))
        .when(
            (pl.col("active_days_prev_30") >= PROFILE.at_risk_min_active_days)
            & (pl.col("active_days_30") < PROFILE.at_risk_drop * pl.col("active_days_prev_30"))
        )
        .then(pl.lit("at_risk"))
        .otherwise(pl.lit("active"))
    )
    # recency-frequency score 1-5 each, the classic RFM without the money (AUM is separate)
    recency_score = (
        pl.when(pl.col("recency_days").is_null())
        .then(1)
        .when(pl.col("recency_days") < 3)
        .then(5)
        .when(pl.col("recency_days") < 7)
        .then(4)
        .when(pl.col("recency_days") < 14)
        .then(3)
        .when(pl.col("recency_days") < 30)
        .then(2)
        .otherwise(1)
    )
    frequency_score = (
        pl.when(pl.col("active_days_30") >= 20)
        .then(5)
        .when(pl.col("active_days_30") >= 10)
        .then(4)
        .when(pl.col("active_days_30") >= 4)
        .then(3)
        .when(pl.col("active_days_30") >= 1)
        .then(2)
        .otherwise(1)
    )
    return (
        frame.with_columns(
            stage.alias("lifecycle_stage"),
            recency_score.cast(pl.Int8).alias("recency_score"),
            frequency_score.cast(pl.Int8).alias("frequency_score"),
        )
        .drop("registered_at")
        .sort("customer_id")
        .collect()
    )
