"""marts.rm_performance and the feature tables behind it: response time and conversion credit
pinned on literal rows, the mart's totals checked against direct queries on the sample."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tests.marts.literal import add, event, run, warehouse
from wealthgraph.config import ANALYTICS

AS_OF = dt.date(2026, 10, 31)


def test_response_time_runs_from_the_first_unanswered_message_to_the_reply():
    con = warehouse()
    add(
        con,
        "core.events",
        [
            # a greeting with no inquiry open is not a reply
            event("E0", "2026-10-01 08:00:00", "C1", "message_from_manager", "M1", manager_id="M1"),
            # two messages, then a reply: one inquiry of 2 messages, answered 30 min after the 1st
            event("E1", "2026-10-01 09:00:00", "C1", "message_manager", "M1", manager_id="M1"),
            event("E2", "2026-10-01 09:10:00", "C1", "message_manager", "M1", manager_id="M1"),
            event("E3", "2026-10-01 09:30:00", "C1", "message_from_manager", "M1", manager_id="M1"),
            # answered in the same second: 0 minutes, not a reply to the next message
            event("E4", "2026-10-02 10:00:00", "C1", "message_manager", "M1", manager_id="M1"),
            event("E5", "2026-10-02 10:00:00", "C1", "message_from_manager", "M1", manager_id="M1"),
            # another manager's chat with the same customer is separate, and still open
            event("E6", "2026-10-02 11:00:00", "C1", "message_manager", "M2", manager_id="M2"),
            # after as_of: not seen yet
            event("E7", "2026-11-01 09:00:00", "C1", "message_from_manager", "M2", manager_id="M2"),
        ],
    )
    got = run(con, "features", "manager_inquiries", AS_OF).sort("asked_at")
    assert got["manager_id"].to_list() == ["M1", "M1", "M2"]
    assert got["messages"].to_list() == [2, 1, 1]
    assert got["response_minutes"].to_list() == [30.0, 0.0, None]


def test_a_purchase_is_credited_once_to_the_latest_recommendation_inside_the_window():
    window = ANALYTICS.recommendation_window_days
    con = warehouse()
    buy = {"amount": 1000}
    add(
        con,
        "core.events",
        [
            event("R1", "2026-10-01 09:00:00", "C1", "manager_recommend", "P1", manager_id="M1"),
            event("R2", "2026-10-03 09:00:00", "C1", "manager_recommend", "P1", manager_id="M2"),
            event("B1", "2026-10-04 09:00:00", "C1", "product_buy", "P1", **buy),
            # bought before it was recommended: no credit
            event("B2", "2026-10-05 08:00:00", "C2", "product_buy", "P1", **buy),
            event("R3", "2026-10-05 09:00:00", "C2", "manager_recommend", "P1", manager_id="M1"),
            # a different product, and a purchase one second past the window
            event("R4", "2026-10-06 09:00:00", "C3", "manager_recommend", "P2", manager_id="M1"),
            event("B3", "2026-10-06 10:00:00", "C3", "product_buy", "P1", **buy),
            event("B4", f"2026-10-{6 + window:02d} 09:00:01", "C3", "product_buy", "P2", **buy),
            event("B5", f"2026-10-{6 + window - 1:02d} 09:00:00", "C3", "product_buy", "P2", **buy),
        ],
    )
    got = run(con, "features", "recommendation_outcomes", AS_OF).sort("recommendation_id")
    assert got["recommendation_id"].to_list() == ["R1", "R2", "R3", "R4"]
    assert got["purchases"].to_list() == [0, 1, 0, 1]
    assert [float(a) for a in got["purchase_amount"]] == [0, 1000, 0, 1000]


@pytest.fixture
def performance(con) -> pl.DataFrame:
    return con.execute("select * from marts.rm_performance").pl()


def test_one_row_per_manager_and_month_with_the_book_as_assigned(con, performance):
    months = con.execute(
        "select count(distinct date_trunc('month', ts)) from core.events"
    ).fetchone()[0]
    managers = con.execute("select count(*) from core.managers").fetchone()[0]
    assert performance.height == managers * months
    books = con.execute(
        "select manager_id, count(*) as n from core.customers "
        "where manager_id is not null group by all"
    ).pl()
    latest = performance.filter(pl.col("month") == pl.col("month").max())
    joined = latest.join(books, on="manager_id", how="left").fill_null(0)
    assert (joined["book_customers"] == joined["n"]).all()


def test_recommendations_and_conversions_add_up_to_the_events(con, performance):
    recommended, converted = con.execute(
        "select count(*), count(*) filter (where purchases > 0) "
        "from features.recommendation_outcomes"
    ).fetchone()
    events = con.execute(
        "select count(*) from core.events where event_type = 'manager_recommend'"
    ).fetchone()[0]
    assert performance["recommendations"].sum() == recommended == events
    assert performance["converted_recommendations"].sum() == converted > 0
    rates = performance["conversion_rate"].drop_nulls()
    assert ((rates >= 0) & (rates <= 1)).all()


def test_ratings_and_response_times_match_direct_queries(con, performance):
    expected = con.execute(
        "select manager_id, avg(rating) as expected, count(*) as n from core.events "
        "where event_type = 'manager_rating' group by all"
    ).pl()
    joined = performance.group_by("manager_id").agg(
        pl.col("ratings").sum(), pl.col("average_rating").first()
    )
    joined = joined.join(expected, on="manager_id")
    assert (joined["ratings"] == joined["n"]).all()
    assert ((joined["average_rating"] - joined["expected"]).abs() < 1e-9).all()
    answered = performance.filter(pl.col("answered_inquiries") > 0)
    assert (answered["median_response_minutes"] <= answered["p90_response_minutes"]).all()
    assert (performance["contact_coverage"].drop_nulls() <= 1).all()
