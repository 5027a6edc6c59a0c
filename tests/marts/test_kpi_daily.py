"""marts.kpi_daily: on the sample, every figure against a direct count over core tables; on
literal rows, the exact numbers at the MAU window's edge and the snapshot a day reads."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from wealthgraph import landing
from wealthgraph.config import ANALYTICS
from wealthgraph.sql import query

WEALTH_CLASSES = ("wealth", "fund", "insurance", "precious_metal")


def test_dau_and_mau_match_direct_counts_for_every_day_and_branch(con):
    """DAU and MAU recounted the slow way: distinct customers per day, and over a range join of
    each day with the $active_window_days days ending it."""
    mismatches, rows = con.execute(
        """
        with activity as (
            select distinct e.user_id, e.partition_date as day, c.branch_id
            from core.events e join core.customers c on c.customer_id = e.user_id
        ),
        days as (select distinct day from activity),
        expected as (
            select d.day, branch_id,
                count(distinct a.user_id) filter (where a.day = d.day) as dau,
                count(distinct a.user_id) as mau
            from days d
            join activity a on a.day between d.day - ($1 - 1) and d.day
            group by grouping sets ((d.day, branch_id), (d.day))
        )
        select
            count(*) filter (
                where k.dau <> coalesce(x.dau, 0) or k.mau <> coalesce(x.mau, 0)
            ),
            count(*)
        from marts.kpi_daily k
        left join expected x on x.day = k.day and coalesce(x.branch_id, 'all') = k.branch_id
        """,
        [ANALYTICS.active_window_days],
    ).fetchone()
    branches, days = con.execute(
        "select (select count(distinct branch_id) from core.customers), "
        "(select count(distinct partition_date) from core.events)"
    ).fetchone()
    assert rows == days * (branches + 1)
    assert mismatches == 0


def test_money_and_new_users_of_the_all_row_match_events_and_customers(con):
    mismatches = con.execute(
        """
        with expected as (
            select partition_date as day,
                count(*) filter (where event_type in ('transfer', 'red_packet', 'aa_bill'))
                    as transfers,
                sum(amount) filter (where event_type in ('transfer', 'red_packet', 'aa_bill'))
                    as transfer_amount,
                count(*) filter (where event_type = 'product_buy') as product_purchases,
                sum(amount) filter (where event_type = 'product_buy') as purchase_amount,
                (select count(*) from core.customers c where c.registered_at = e.partition_date)
                    as new_users
            from core.events e
            group by all
        )
        select count(*)
        from marts.kpi_daily k
        join expected x using (day)
        where k.branch_id = 'all' and (
            k.transfers <> x.transfers or k.transfer_amount <> coalesce(x.transfer_amount, 0)
            or k.product_purchases <> x.product_purchases
            or k.purchase_amount <> coalesce(x.purchase_amount, 0)
            or k.new_users <> x.new_users
        )
        """
    ).fetchone()[0]
    assert mismatches == 0
    assert (
        con.execute(
            "select sum(new_users) from marts.kpi_daily where branch_id = 'all'"
        ).fetchone()[0]
        > 0
    )


def test_holders_on_the_last_day_match_features_holdings(con):
    """The last day's holders recounted from features.holdings, which reads the same snapshot."""
    expected = con.execute(
        f"""
        select count(*), count(*) filter (where classes >= 2)
        from (
            select customer_id, count(distinct product_class) as classes
            from features.holdings
            where as_of = (select max(as_of) from features.holdings)
                and product_class in {WEALTH_CLASSES}
            group by all
        )
        """
    ).fetchone()
    actual = con.execute(
        """
        select customers_with_products, cross_sell_customers, cross_sell_rate
        from marts.kpi_daily
        where branch_id = 'all' and day = (select max(day) from marts.kpi_daily)
        """
    ).fetchone()
    assert actual[:2] == expected
    assert actual[2] == pytest.approx(expected[1] / expected[0])


def test_branches_add_up_to_the_all_row(con):
    differing = con.execute(
        """
        with sums as (
            select day, sum(dau) as dau, sum(mau) as mau, sum(transfers) as transfers,
                sum(customers_with_products) as holders
            from marts.kpi_daily where branch_id <> 'all' group by day
        )
        select count(*) from marts.kpi_daily k join sums s using (day)
        where k.branch_id = 'all'
            and (k.dau, k.mau, k.transfers, k.customers_with_products)
                <> (s.dau, s.mau, s.transfers, s.holders)
        """
    ).fetchone()[0]
    assert differing == 0


# --- literal rows ---------------------------------------------------------------------------

D = dt.date(2026, 3, 31)


def _load(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: list[tuple]) -> None:
    con.execute(f"create table {table} ({columns})")
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        con.executemany(f"insert into {table} values ({marks})", rows)


@pytest.fixture
def tiny():
    """Four customers in two branches around the 30-day window ending 2026-03-31.

    A (B1) active 03-01 and 03-31; C (B1) active 03-01 only, 30 days before 03-31;
    B (B2) active 03-02 only, 29 days before; D (B2) registered and active 03-31.
    Snapshots on 03-01 and 03-31 only, so 03-02 reads 03-01's.
    """
    con = duckdb.connect()
    for schema in ("core", "features", "graph", "marts"):
        con.execute(f"create schema {schema}")
    _load(
        con,
        "core.enums",
        "domain varchar, value varchar",
        [
            (domain, value)
            for domain in ("product_class", "liability_class", "wealth_class")
            for value in landing.ENUMS[domain]
        ],
    )
    _load(
        con,
        "core.customers",
        "customer_id varchar, branch_id varchar, registered_at date",
        [
            ("A", "B1", dt.date(2025, 1, 1)),
            ("C", "B1", dt.date(2025, 1, 1)),
            ("B", "B2", dt.date(2025, 1, 1)),
            ("D", "B2", D),
        ],
    )
    day = {"03-01": dt.date(2026, 3, 1), "03-02": dt.date(2026, 3, 2), "03-31": D}
    _load(
        con,
        "core.events",
        "user_id varchar, event_type varchar, amount decimal(18, 2), partition_date date",
        [
            ("A", "login", None, day["03-01"]),
            ("C", "message_friend", None, day["03-01"]),
            ("B", "login", None, day["03-02"]),
            ("A", "transfer", 100, D),
            ("A", "red_packet", 50, D),
            ("A", "aa_bill", 25, D),
            ("A", "scenario_payment", 30, D),  # not a friend money movement
            ("D", "product_buy", 1000, D),
            ("D", "login", None, dt.date(2026, 4, 1)),  # after as_of: not a day yet
        ],
    )
    _load(
        con,
        "core.products",
        "product_id varchar, product_class varchar",
        [
            ("cur", "current"),
            ("td", "time_deposit"),
            ("fund", "fund"),
            ("ins", "insurance"),
            ("wm", "wealth"),
            ("loan", "loan"),
        ],
    )
    _load(
        con,
        "core.snapshots",
        "as_of date, customer_id varchar, product_id varchar, status varchar",
        [
            (day["03-01"], "A", "fund", "active"),
            (day["03-01"], "A", "ins", "active"),
            (day["03-01"], "A", "cur", "active"),
            (day["03-01"], "C", "cur", "active"),  # a deposit is not a wealth product
            (day["03-01"], "C", "td", "active"),
            (day["03-01"], "B", "loan", "active"),  # nor is a loan
            (D, "A", "fund", "closed"),  # closed: no longer held
            (D, "A", "ins", "active"),
            (D, "D", "wm", "active"),
        ],
    )
    yield con
    con.close()


def _kpis(con, **knobs) -> dict[tuple[str, str], dict]:
    params = {"as_of": D, "active_window_days": ANALYTICS.active_window_days, **knobs}
    rows = query(con, "marts", "kpi_daily", params).to_dicts()
    return {(row["day"].strftime("%m-%d"), row["branch_id"]): row for row in rows}


def test_mau_counts_29_days_back_but_not_30(tiny):
    kpis = _kpis(tiny)
    assert sorted(kpis) == [
        (day, branch) for day in ("03-01", "03-02", "03-31") for branch in ("B1", "B2", "all")
    ]
    mau = {key: row["mau"] for key, row in kpis.items()}
    dau = {key: row["dau"] for key, row in kpis.items()}
    # 03-31: A (that day), B (03-02, 29 days back), D (that day); not C (03-01, 30 days back)
    assert mau[("03-31", "all")] == 3 and mau[("03-31", "B1")] == 1 and mau[("03-31", "B2")] == 2
    assert dau[("03-31", "all")] == 2 and dau[("03-31", "B1")] == 1
    assert mau[("03-02", "all")] == 3 and dau[("03-02", "all")] == 1
    assert mau[("03-01", "B2")] == 0 and dau[("03-01", "B2")] == 0


def test_mau_follows_the_window_knob(tiny):
    mau = {key: row["mau"] for key, row in _kpis(tiny, active_window_days=2).items()}
    assert mau[("03-02", "all")] == 3  # A and C from the day before, B that day
    assert mau[("03-31", "all")] == 2  # A and D: nobody from 03-30


def test_money_new_users_and_cross_sell_on_literal_rows(tiny):
    kpis = _kpis(tiny)
    last = kpis[("03-31", "all")]
    assert (last["transfers"], last["transfer_amount"]) == (3, 175)
    assert (last["product_purchases"], last["purchase_amount"]) == (1, 1000)
    assert last["new_users"] == 1 and kpis[("03-31", "B2")]["new_users"] == 1
    # 03-01 and 03-02 (which has no snapshot) read the 03-01 snapshot: A holds fund + insurance
    for day in ("03-01", "03-02"):
        row = kpis[(day, "all")]
        assert (row["customers_with_products"], row["cross_sell_customers"]) == (1, 1)
        assert row["cross_sell_rate"] == 1.0
        assert kpis[(day, "B2")]["cross_sell_rate"] is None
    # 03-31: A's fund is closed, D holds a wealth product: two holders, no cross-sell
    assert (last["customers_with_products"], last["cross_sell_customers"]) == (2, 0)
    assert last["cross_sell_rate"] == 0.0
