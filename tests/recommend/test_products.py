"""The product funnel's hard filters hold even when every signal pulls the other way."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import duckdb
import numpy as np
import polars as pl
import pytest

from wealthgraph.config import RECOMMEND, sql_params
from wealthgraph.recommend import products
from wealthgraph.sql import violation_counts
from wealthgraph.warehouse import latest_day

AS_OF = dt.date(2026, 10, 31)
FRIENDS = [f"F{i}" for i in range(8)]


def _tempting_world(**changes) -> products.ProductInputs:
    """``ann`` is conservative (C1); all eight friends are aggressive and hold RISKY (R5), two
    of them SAFE (R1); RISKY is also the product ann views most. Only suitability stands in
    the way."""
    customers = pl.DataFrame(
        {
            "customer_id": ["ann", *FRIENDS],
            "risk_tolerance": ["C1"] + ["C5"] * len(FRIENDS),
            "risk_assessed_at": [AS_OF - dt.timedelta(days=30)] * (1 + len(FRIENDS)),
            "segment": ["mass"] * (1 + len(FRIENDS)),
            "current_balance": [100_000.0] * (1 + len(FRIENDS)),
            "idle_cash": [50_000.0] + [0.0] * len(FRIENDS),
        }
    )
    catalog = pl.DataFrame(
        {
            "product_id": ["RISKY", "SAFE", "GOLD", "BIG", "OLD", "HELD", "TOPUP"],
            "name": [
                "科技主题基金",
                "稳利理财",
                "积存金",
                "大额存单",
                "停售理财",
                "持有定期",
                "天天盈",
            ],
            "product_class": [
                "fund",
                "wealth",
                "precious_metal",
                "time_deposit",
                "wealth",
                "time_deposit",
                "wealth",
            ],
            "risk_level": ["R5", "R1", "R3", "R1", "R1", "R1", "R1"],
            "min_amount": [10.0, 1.0, 1.0, 200_000.0, 1.0, 50.0, 1.0],
            "on_sale": [True, True, True, True, False, True, True],
            "is_top_up": [False, False, False, False, False, False, True],
            "expected_yield_pct": [8.0, 2.3, 3.0, 2.1, 2.5, 1.5, 1.9],
        }
    )
    # every friend holds RISKY; fewer hold the others, and only two hold SAFE
    friend_rows = [
        (f, p, 3, 1, 1, True)
        for i, f in enumerate(FRIENDS)
        for p, holders in (("RISKY", 8), ("BIG", 6), ("OLD", 6), ("GOLD", 4), ("SAFE", 2))
        if i < holders
    ]
    interactions = pl.DataFrame(
        [
            *friend_rows,
            ("ann", "RISKY", 9, 0, 0, False),
            ("ann", "HELD", 0, 0, 0, True),
            ("ann", "TOPUP", 0, 0, 0, True),
        ],
        schema=["customer_id", "product_id", "views", "shares", "buys", "is_held"],
        orient="row",
    )
    ties = pl.DataFrame({"src_id": ["ann"] * len(FRIENDS), "dst_id": FRIENDS, "weight": 3.0})
    reads = pl.DataFrame({"customer_id": ["ann"], "product_class": ["fund"], "reads": [5]})
    world = {
        "as_of": AS_OF,
        "customers": customers,
        "products": catalog,
        "interactions": interactions,
        "ties": ties,
        "class_reads": reads,
    }
    world.update(changes)
    return products.ProductInputs(**world)


def _for(frame: pl.DataFrame, customer: str) -> list[str]:
    return frame.filter(pl.col("customer_id") == customer).sort("rank")["item_id"].to_list()


def test_the_tempting_product_wins_before_the_filters():
    fitted = products.fit(_tempting_world())
    ann = np.array([0])
    scores = fitted.model.score(ann)[0]
    ids = fitted.products["product_id"].to_list()
    # without the hard filters the blend would put RISKY above every product ann may buy
    assert scores[ids.index("RISKY")] > scores[ids.index("SAFE")]
    assert scores[ids.index("RISKY")] > scores[ids.index("GOLD")]


def test_conservative_customer_never_gets_the_risky_product():
    got = _for(products.recommend(products.fit(_tempting_world())), "ann")
    assert "RISKY" not in got
    assert "GOLD" not in got  # R3 > C1
    assert "SAFE" in got


def test_other_hard_filters():
    got = _for(products.recommend(products.fit(_tempting_world())), "ann")
    assert "BIG" not in got  # minimum 200,000 above ann's 100,000 cash
    assert "OLD" not in got  # off sale
    assert "HELD" not in got  # held and takes no top-ups
    assert "TOPUP" in got  # held, but takes top-ups


def test_expired_or_missing_assessment_gets_no_product():
    world = _tempting_world()
    expired = world.customers.with_columns(
        risk_assessed_at=pl.when(pl.col("customer_id") == "ann")
        .then(pl.lit(AS_OF - dt.timedelta(days=400)))
        .otherwise(pl.col("risk_assessed_at"))
    )
    got = products.recommend(products.fit(_tempting_world(customers=expired)))
    assert _for(got, "ann") == []
    unknown = world.customers.with_columns(
        risk_tolerance=pl.when(pl.col("customer_id") == "ann")
        .then(None)
        .otherwise("risk_tolerance")
    )
    assert _for(products.recommend(products.fit(_tempting_world(customers=unknown))), "ann") == []


def test_aggressive_friends_do_get_the_risky_product_with_a_social_reason():
    got = products.recommend(products.fit(_tempting_world()))
    friend = got.filter(pl.col("customer_id") == "F0")
    assert friend.height > 0
    ann_reasons = got.filter(pl.col("customer_id") == "ann", pl.col("item_id") == "SAFE")
    reasons = ann_reasons["reasons"].item().to_list()
    assert "2 close friends hold it" in reasons
    assert "fits your conservative (C1) risk profile" in reasons
    assert any(r.startswith("your idle cash could earn more") for r in reasons)


@pytest.mark.parametrize("cap", [1, 2])
def test_the_diversity_cap_keeps_classes_mixed(con, cap):
    # production has no cap (it cost nDCG on validation); the rule stays for a bank that wants one
    config = dataclasses.replace(RECOMMEND, max_per_class=cap)
    got = products.recommend(
        products.fit(products.load_inputs(con, latest_day(con)), config), config
    )
    catalog = con.execute("select product_id as item_id, product_class from core.products").pl()
    per_class = got.join(catalog, on="item_id").group_by("customer_id", "product_class").len()
    assert per_class["len"].max() == cap


def test_the_check_catches_a_planted_violation(sample_warehouse, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(sample_warehouse.database, copy)
    with duckdb.connect(str(copy)) as con:
        as_of = latest_day(con)
        params = {"as_of": as_of, **sql_params()}
        assert violation_counts(con, "recommendations", params).is_empty()
        customer, product = con.execute(
            """
            select c.customer_id, p.product_id
            from features.customers c, core.products p
            where c.as_of = $1 and c.risk_tolerance = 'C1' and p.risk_level = 'R5'
            limit 1
            """,
            [as_of],
        ).fetchone()
        con.execute(
            """
            insert into marts.recommendations by name
            select $1 as customer_id, 'product' as kind, 99 as rank, $2 as item_id,
                1.0 as score, [] as reasons, 'planted' as model_version,
                $3::date as as_of, now() as generated_at
            """,
            [customer, product, as_of],
        )
        found = dict(
            violation_counts(con, "recommendations", params)
            .select("check_name", "violations")
            .rows()
        )
    assert found == {
        "suitable_products_only": 1,
        "top_n_per_kind": 1,
        "every_row_has_a_reason": 1,
    }


PLANTS = {
    # a held product that takes no top-ups, recommended to its holder
    "nothing_already_held_or_joined": """
        select h.customer_id, 'product' as kind, 1 as rank, h.product_id as item_id
        from features.holdings h join core.products p using (product_id)
        where h.as_of = $1 and not p.is_top_up limit 1
    """,
    # an existing friend suggested as a friend
    "friend": """
        select src_id as customer_id, 'friend' as kind, 1 as rank, dst_id as item_id
        from graph.edges where relation = 'friend' limit 1
    """,
    # a group the customer is in, suggested as an activity
    "activity": """
        select customer_id, 'activity' as kind, 1 as rank, group_id as item_id
        from graph.memberships limit 1
    """,
    # a second row with a rank a customer already has
    "top_n_per_kind": """
        select customer_id, kind, rank, item_id || '-again' as item_id
        from marts.recommendations where as_of = $1 and kind = 'topic' and rank = 1 limit 1
    """,
}


@pytest.mark.parametrize("plant", PLANTS)
def test_the_check_catches_what_is_already_had_and_repeated_ranks(
    sample_warehouse, tmp_path, plant
):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(sample_warehouse.database, copy)
    with duckdb.connect(str(copy)) as con:
        as_of = latest_day(con)
        params = {"as_of": as_of, **sql_params()}
        sql = PLANTS[plant]
        row = con.execute(sql, [as_of] if "$1" in sql else []).fetchone()
        assert row, f"the sample has nothing to plant for {plant}"
        con.execute(
            """
            insert into marts.recommendations by name
            select $1 as customer_id, $2 as kind, $3 as rank, $4 as item_id, 1.0 as score,
                ['planted'] as reasons, 'planted' as model_version, $5::date as as_of,
                now() as generated_at
            """,
            [*row, as_of],
        )
        found = dict(
            violation_counts(con, "recommendations", params)
            .select("check_name", "violations")
            .rows()
        )
    expected = plant if plant == "top_n_per_kind" else "nothing_already_held_or_joined"
    assert found.get(expected) == 1, found


def _co_held_tie(catalog_order: list[str]) -> products.ProductInputs:
    """``ann`` holds A and B; one other customer holds A and X, another B and X: A and B are
    equally often held with X, the only product ann can still get."""
    people = ["ann", "bob", "cat"]
    customers = pl.DataFrame(
        {
            "customer_id": people,
            "risk_tolerance": "C5",
            "risk_assessed_at": AS_OF - dt.timedelta(days=30),
            "segment": "mass",
            "current_balance": 100_000.0,
            "idle_cash": 0.0,
        }
    )
    names = {"P1": "Alpha", "P2": "Beta", "P3": "Xeno"}
    catalog = pl.DataFrame(
        {
            "product_id": catalog_order,
            "name": [names[p] for p in catalog_order],
            "product_class": "wealth",
            "risk_level": "R1",
            "min_amount": 1.0,
            "on_sale": True,
            "is_top_up": False,
            "expected_yield_pct": 2.0,
        }
    )
    held = [
        ("ann", "P1"),
        ("ann", "P2"),
        ("bob", "P1"),
        ("bob", "P3"),
        ("cat", "P2"),
        ("cat", "P3"),
    ]
    interactions = pl.DataFrame(
        [(c, p, 1, 0, 0, True) for c, p in held],
        schema=["customer_id", "product_id", "views", "shares", "buys", "is_held"],
        orient="row",
    )
    ties = pl.DataFrame(schema={"src_id": pl.String, "dst_id": pl.String, "weight": pl.Float64})
    reads = pl.DataFrame(
        schema={"customer_id": pl.String, "product_class": pl.String, "reads": pl.Int64}
    )
    return products.ProductInputs(AS_OF, customers, catalog, interactions, ties, reads)


def test_equally_co_held_products_name_the_first_in_the_catalog():
    # a stated rule: before, the order of a join and a sort picked one, and nothing fixed it
    for order, named in [(["P1", "P2", "P3"], "Alpha"), (["P2", "P1", "P3"], "Beta")]:
        got = products.recommend(products.fit(_co_held_tie(order)))
        ann = got.filter(pl.col("customer_id") == "ann")
        assert ann["item_id"].to_list() == ["P3"]
        assert f"customers who hold {named} also hold it" in ann["reasons"].item().to_list()


def test_rows_come_in_customer_order_when_customers_do_not():
    world = _tempting_world()
    got = products.recommend(products.fit(_tempting_world(customers=world.customers.reverse())))
    assert got["customer_id"].n_unique() > 1
    assert got.equals(got.sort("customer_id", "rank"))


def test_the_check_catches_a_rank_given_twice_with_none_missing_at_the_top(
    sample_warehouse, tmp_path
):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(sample_warehouse.database, copy)
    with duckdb.connect(str(copy)) as con:
        as_of = latest_day(con)
        # ranks 1, 3, 3, ... n: the count and the top rank still agree
        changed = con.execute(
            """
            update marts.recommendations set rank = 3
            where as_of = $1 and kind = 'topic' and rank = 2 and customer_id = (
                select customer_id from marts.recommendations
                where as_of = $1 and kind = 'topic' and rank = 3 limit 1
            )
            """,
            [as_of],
        ).fetchone()[0]
        assert changed == 1
        found = violation_counts(con, "recommendations", {"as_of": as_of, **sql_params()})
    assert dict(found.select("check_name", "violations").rows()) == {"top_n_per_kind": 1}
