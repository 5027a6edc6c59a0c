"""marts.lead_pool (抢单): who is in the pool and the fair offer rule, pinned on literal rows;
the sample's pool checked against direct queries."""

from __future__ import annotations

import datetime as dt

import polars as pl

from tests.marts.literal import add, event, run, warehouse

AS_OF = dt.date(2026, 10, 31)


def _manager(manager_id: str, branch_id: str, capacity: int, active: bool = True) -> dict:
    return {
        "manager_id": manager_id,
        "branch_id": branch_id,
        "capacity": capacity,
        "is_active": active,
        "hired_at": dt.date(2015, 1, 1),
    }


def _bank():
    con = warehouse()
    add(con, "core.branches", [
        {"branch_id": "B1", "name": "one", "city": "Wuhan"},
        {"branch_id": "B2", "name": "two", "city": "Wuhan"},
        {"branch_id": "B3", "name": "three", "city": "Xian"},
    ])  # fmt: skip
    add(con, "core.managers", [
        _manager("M1", "B1", 3), _manager("M2", "B1", 2), _manager("M3", "B2", 1),
        # left the bank; and one still listed active who has not served anyone for months
        _manager("M4", "B1", 9, active=False), _manager("M5", "B1", 9),
    ])  # fmt: skip
    serving = [
        event(f"S{m}", "2026-10-20 09:00:00", "C00", "message_from_manager", m, manager_id=m)
        for m in ("M1", "M2", "M3")
    ]
    stale = event("S5", "2026-08-01 09:00:00", "C00", "message_from_manager", "M5", manager_id="M5")
    add(con, "core.events", [*serving, stale])
    # customer -> (branch, manager, AUM); with nothing else differing, AUM orders priority
    people = {
        "K1": ("B1", "M1", 900), "K2": ("B1", "M1", 100),  # M1's book: keeps both (capacity 3)
        "K3": ("B2", "M3", 500), "K4": ("B2", "M3", 50),   # M3 over capacity: K4 released
        "U1": ("B1", None, 800), "U2": ("B1", None, 700), "U3": ("B1", "M4", 600),
        "U4": ("B1", "M5", 400), "U5": ("B1", None, 300), "U6": ("B3", None, 200),
    }  # fmt: skip
    add(con, "features.customers", [
        {"customer_id": c, "branch_id": b, "manager_id": m, "as_of": AS_OF}
        for c, (b, m, _) in people.items()
    ])  # fmt: skip
    add(con, "marts.wealth_summary", [
        {"customer_id": c, "total_assets": aum, "income_3m": 0, "idle_cash": 0,
         "maturing_products_30d": 0, "maturing_amount_30d": 0, "as_of": AS_OF}
        for c, (_, _, aum) in people.items()
    ])  # fmt: skip
    add(
        con,
        "marts.wealth_advice",
        [{"customer_id": "K1", "rule_id": "r", "passed": True, "as_of": AS_OF}],
    )
    return con


def test_pool_reasons_and_the_round_robin_offer_rule():
    pool = run(_bank(), "marts", "lead_pool", AS_OF).sort("priority", descending=True)
    reasons = dict(zip(pool["customer_id"], pool["pool_reason"], strict=True))
    assert reasons == {
        "U1": "no_manager",
        "U2": "no_manager",
        "U3": "manager_inactive",
        "U4": "manager_inactive",
        "U5": "no_manager",
        "U6": "no_manager",
        "K4": "over_capacity",
    }
    offers = {
        c: (m, rule)
        for c, m, rule in pool.select("customer_id", "suggested_manager_id", "offer_rule").rows()
    }
    # B1 has spare slots M1 x1 (3 - 2 kept) and M2 x2, dealt by priority: M1, M2, then M2
    assert offers["U1"] == ("M1", "same_branch")
    assert offers["U2"] == ("M2", "same_branch")
    assert offers["U3"] == ("M2", "same_branch")
    # B1 is full now; B2's M3 is at capacity, so nothing is left in Wuhan, nor in Xian
    for customer in ("U4", "U5", "U6", "K4"):
        assert offers[customer] == (None, None)


def test_spare_capacity_in_the_city_takes_who_the_branch_cannot():
    con = _bank()
    con.execute("update core.managers set capacity = 3 where manager_id = 'M3'")
    pool = run(con, "marts", "lead_pool", AS_OF)
    offers = dict(zip(pool["customer_id"], pool["suggested_manager_id"], strict=True))
    rules = dict(zip(pool["customer_id"], pool["offer_rule"], strict=True))
    # M3 keeps K3 and K4 and has one slot left: the best customer B1 could not place (U4)
    assert "K4" not in offers
    assert (offers["U4"], rules["U4"]) == ("M3", "same_city")
    assert offers["U5"] is None and offers["U6"] is None


def test_sample_pool_holds_every_unserved_customer_once(con):
    pool = con.execute("select * from marts.lead_pool").pl()
    assert pool["customer_id"].is_unique().all()
    unassigned = con.execute(
        "select count(*) from core.customers where manager_id is null"
    ).fetchone()[0]
    assert pool.filter(pl.col("pool_reason") == "no_manager").height == unassigned > 0
    inactive = con.execute(
        "select count(*) from core.customers join core.managers using (manager_id) "
        "where not is_active"
    ).fetchone()[0]
    assert pool.filter(pl.col("pool_reason") == "manager_inactive").height >= inactive
    assert pool["value_score"].is_between(0, 1).all()
    assert pool["need_score"].is_between(0, 1).all()
    offered = pool.filter(pl.col("suggested_manager_id").is_not_null())
    assert offered.height > 0
