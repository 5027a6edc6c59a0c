"""Behaviour of each customer over a period ending on a date, and its change on the period before
it."""

from __future__ import annotations

import datetime as dt

import polars as pl

MEASURES = (
    "events",
    "messages",
    "transfers",
    "transfer_amount",
    "articles_read",
    "articles_shared",
    "product_views",
    "purchases",
    "scenario_payments",
    "scenario_payment_amount",
    "logins",
    "app_events",
    "web_events",
    "mini_program_events",
    "morning_events",
    "afternoon_events",
    "evening_events",
    "night_events",
)


def period_behaviour(daily: pl.LazyFrame, as_of: dt.date, days: int = 30) -> pl.DataFrame:
    """Per customer: active days and the sum of every measure over the ``days`` ending ``as_of``,
    the same for the ``days`` before that (``prev_`` columns), and the change (``_change``).

    >>> import datetime as dt, polars as pl
    >>> d = pl.LazyFrame({"customer_id": ["a", "a"], "activity_date": [dt.date(2026, 1, 30),
    ...     dt.date(2025, 12, 20)], **{m: [2, 1] for m in MEASURES}})
    >>> period_behaviour(d, dt.date(2026, 1, 31))["events_change"].to_list()
    [1]
    """
    age = (pl.lit(as_of) - pl.col("activity_date")).dt.total_days()
    current = age < days
    previous = (age >= days) & (age < 2 * days)
    sums = [pl.col(m).filter(current).sum().alias(m) for m in MEASURES]
    prev = [pl.col(m).filter(previous).sum().alias(f"prev_{m}") for m in MEASURES]
    return (
        daily.filter((pl.col("activity_date") <= as_of) & (age < 2 * days))
        .group_by("customer_id")
        .agg(
            # signed: the change below may be negative, and unsigned subtraction would wrap
            current.sum().cast(pl.Int64).alias("active_days"),
            previous.sum().cast(pl.Int64).alias("prev_active_days"),
            *sums,
            *prev,
        )
        .with_columns(
            (pl.col(m) - pl.col(f"prev_{m}")).alias(f"{m}_change")
            for m in ("active_days", *MEASURES)
        )
        .sort("customer_id")
        .collect()
    )
