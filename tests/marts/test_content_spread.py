"""marts.content_spread and the chains behind it: attribution to the root of a share chain and
conversion credit pinned on literal rows; the sample's spread checked against core events."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tests.marts.literal import add, build, event, run, warehouse

AS_OF = dt.date(2026, 10, 31)


def _world():
    con = warehouse()
    add(con, "core.products", [{"product_id": "P1", "product_class": "fund"}])
    add(con, "core.articles", [{"article_id": "A1", "product_id": "P1", "topic": "funds"}])
    add(con, "features.customers", [
        {"customer_id": f"C{i}", "branch_id": "B1" if i < 5 else "B2",
         "manager_id": "M1" if i < 5 else "M2", "as_of": AS_OF}
        for i in range(1, 10)
    ])  # fmt: skip
    read, share = "article_read", "article_share"
    add(con, "core.events", [
        # C1 finds A1 and shares it; C2 reads it through C1 and shares; C3 reads through C2
        event("E01", "2026-10-01 09:00:00", "C1", read, "A1"),
        event("E02", "2026-10-01 09:05:00", "C1", share, "A1"),
        event("E03", "2026-10-01 10:00:00", "C2", read, "A1", via_user_id="C1"),
        event("E04", "2026-10-01 10:05:00", "C2", share, "A1"),
        event("E05", "2026-10-01 11:00:00", "C3", read, "A1", via_user_id="C2"),
        # C3 reads again the next day: one more read, no new reach, and the purchase's credit
        event("E06", "2026-10-02 08:00:00", "C3", read, "A1"),
        # through someone who never had it: bad data, a chain of its own
        event("E07", "2026-10-01 12:00:00", "C4", read, "A1", via_user_id="C9"),
        # each "through" the other: only the earlier one can have brought the later
        event("E08", "2026-10-01 12:00:00", "C5", read, "A1", via_user_id="C6"),
        event("E09", "2026-10-01 12:30:00", "C6", read, "A1", via_user_id="C5"),
        # a manager's recommendation starts a product chain credited to that manager
        event("E10", "2026-10-01 09:00:00", "C7", "manager_recommend", "P1", manager_id="M7"),
        event("E11", "2026-10-01 09:30:00", "C7", "product_share", "P1"),
        event("E12", "2026-10-01 10:00:00", "C8", "product_view", "P1", via_user_id="C7"),
        # C3 buys two days after reading A1: converts A1 (C3 never saw P1's page)
        event("E13", "2026-10-03 09:00:00", "C3", "product_buy", "P1", amount=500),
        # C2 bought before ever reading: no credit; C8 buys after the window: none either
        event("E14", "2026-09-30 09:00:00", "C2", "product_buy", "P1", amount=900),
        event("E15", "2026-10-09 10:00:01", "C8", "product_buy", "P1", amount=700),
    ])  # fmt: skip
    for table in ("content_touches", "content_conversions"):
        build(con, "features", table, AS_OF)
    return con


def test_each_reader_is_credited_to_the_root_of_the_chain_that_brought_them():
    touches = run(_world(), "features", "content_touches", AS_OF).sort("item_id", "customer_id")
    got = {
        row["customer_id"]: (row["parent_id"], row["root_id"], row["depth"], row["root_manager_id"])
        for row in touches.iter_rows(named=True)
    }
    assert got == {
        "C1": (None, "C1", 0, "M1"),
        "C2": ("C1", "C1", 1, "M1"),
        "C3": ("C2", "C1", 2, "M1"),
        "C4": (None, "C4", 0, "M1"),
        "C5": (None, "C5", 0, "M2"),
        "C6": ("C5", "C5", 1, "M2"),
        "C7": (None, "C7", 0, "M7"),
        "C8": ("C7", "C7", 1, "M7"),
    }


def test_a_purchase_converts_only_items_touched_in_the_window_before_it():
    conversions = run(_world(), "features", "content_conversions", AS_OF)
    assert conversions.select("item_kind", "item_id", "customer_id", "root_id").rows() == [
        ("article", "A1", "C3", "C1")
    ]
    # the latest touch before the purchase takes the credit: C3's second read
    assert conversions["touched_at"][0] == dt.datetime(2026, 10, 2, 8, 0)


def test_spread_sums_reads_reach_depth_and_conversions_per_root():
    spread = run(_world(), "marts", "content_spread", AS_OF)
    day_one = spread.filter(
        (pl.col("item_id") == "A1") & (pl.col("day") == dt.date(2026, 10, 1))
    ).sort("branch_id")
    assert day_one.select("branch_id", "reads", "shares", "new_reach").rows() == [
        ("B1", 4, 2, 4),
        ("B2", 2, 0, 2),
    ]
    assert day_one["reach_through_friends"].to_list() == [2, 1]
    assert day_one["max_depth"].to_list() == [2, 1]
    assert day_one["conversions"].to_list() == [0, 0]
    day_two = spread.filter((pl.col("item_id") == "A1") & (pl.col("day") == dt.date(2026, 10, 2)))
    assert day_two.select("branch_id", "reads", "readers", "new_reach", "conversions").rows() == [
        ("B1", 1, 1, 0, 1)
    ]
    product = spread.filter(pl.col("item_id") == "P1")
    assert product.select("manager_id", "reads", "shares", "reach_through_friends").rows() == [
        ("M7", 1, 1, 1)
    ]


def test_sample_spread_accounts_for_every_read_and_share(con):
    totals = con.execute(
        "select item_kind, sum(reads), sum(shares), sum(new_reach) "
        "from marts.content_spread group by all order by 1"
    ).fetchall()
    expected = con.execute(
        """
        select
            case when event_type like 'article%' then 'article' else 'product' end,
            count(*) filter (where event_type in ('article_read', 'product_view')),
            count(*) filter (where event_type in ('article_share', 'product_share')),
            count(distinct (target_id, user_id))
        from core.events
        where event_type in (
            'article_read', 'article_share', 'product_view', 'product_share', 'manager_recommend'
        )
        group by all order by 1
        """
    ).fetchall()
    assert totals == expected
    customers = con.execute("select count(*) from core.customers").fetchone()[0]
    per_item = con.execute(
        "select max(reach) from (select sum(reach_through_friends) as reach "
        "from marts.content_spread group by item_kind, item_id)"
    ).fetchone()[0]
    assert 0 < per_item <= customers
