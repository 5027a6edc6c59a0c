"""marts.group_activity and marts.scenario_payments: on the sample, against direct counts over
core tables; on literal rows, the exact 30-day edges and the snapshot each month reads."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from wealthgraph import landing
from wealthgraph.sql import query

WEALTH_CLASSES = ("wealth", "fund", "insurance", "precious_metal")


def test_group_members_and_messages_match_memberships_and_events(con):
    mismatches, groups, members = con.execute(
        """
        with as_of as (select max(as_of) as as_of from marts.group_activity),
        expected as (
            select g.group_id,
                (select count(*) from graph.memberships m, as_of
                 where m.group_id = g.group_id and m.as_of = as_of.as_of) as members,
                (select count(*) from core.events e, as_of
                 where e.event_type = 'message_group' and e.target_id = g.group_id
                    and e.partition_date > as_of.as_of - 30) as messages_30d
            from core.groups g
        )
        select
            count(*) filter (
                where a.members <> x.members or a.messages_30d <> x.messages_30d
                    or x.group_id is null
            ),
            count(*),
            sum(a.members)
        from marts.group_activity a
        join as_of using (as_of)
        left join expected x using (group_id)
        """
    ).fetchone()
    assert groups == con.execute("select count(*) from core.groups").fetchone()[0]
    assert members > 0 and mismatches == 0


def test_group_member_figures_match_a_recount_from_core_tables(con):
    """Active members, purchases, AUM and wealth holders per group, recounted per member from
    events, snapshots and marts.wealth_summary (not features.holdings, which the mart reads)."""
    mismatches = con.execute(
        f"""
        with as_of as (select max(as_of) as as_of from marts.group_activity),
        members as (
            select m.group_id, m.customer_id
            from graph.memberships m join as_of using (as_of)
        ),
        per_member as (
            select members.*,
                exists (
                    select 1 from core.events e, as_of
                    where e.user_id = members.customer_id
                        and e.partition_date > as_of.as_of - 30
                ) as is_active,
                (select count(*) from core.events e, as_of
                 where e.user_id = members.customer_id and e.event_type = 'product_buy'
                    and e.partition_date > as_of.as_of - 30) as purchases,
                (select w.total_assets from marts.wealth_summary w, as_of
                 where w.customer_id = members.customer_id and w.as_of = as_of.as_of)
                    as total_assets,
                exists (
                    select 1 from core.snapshots s join core.products p using (product_id)
                    where s.customer_id = members.customer_id
                        and s.as_of = (select max(as_of) from core.snapshots)
                        and s.status <> 'closed' and p.product_class in {WEALTH_CLASSES}
                ) as holds_wealth
            from members
        ),
        expected as (
            select group_id,
                count(*) filter (where is_active) as active,
                sum(purchases) as purchases,
                coalesce(sum(total_assets), 0) as aum,
                count(*) filter (where holds_wealth) as holders,
                count(*) as members
            from per_member group by all
        )
        select count(*)
        from marts.group_activity a
        join as_of using (as_of)
        join expected x using (group_id)
        where a.active_members_30d <> x.active or a.member_purchases_30d <> x.purchases
            or a.members_aum <> x.aum or a.members_with_wealth_products <> x.holders
            or abs(a.product_uptake_share - x.holders / x.members) > 1e-9
        """
    ).fetchone()[0]
    assert mismatches == 0


def test_scenario_payments_match_events_and_the_month_end_snapshot(con):
    mismatches, rows, payers = con.execute(
        f"""
        with payers as (
            select date_trunc('month', partition_date)::date as month, category as scenario,
                user_id, count(*) as payments, sum(amount) as amount
            from core.events where event_type = 'scenario_payment'
            group by all
        ),
        snapshot as (
            select date_trunc('month', as_of)::date as month, max(as_of) as snapshot_date
            from core.snapshots group by all
        ),
        holders as (
            select distinct s.as_of as snapshot_date, s.customer_id as user_id
            from core.snapshots s join core.products p using (product_id)
            where s.status <> 'closed' and p.product_class in {WEALTH_CLASSES}
        ),
        expected as (
            select month, scenario, count(*) as users, sum(payments) as payments,
                sum(amount) as amount, count(holders.user_id) as holding
            from payers
            join snapshot using (month)
            left join holders using (snapshot_date, user_id)
            group by all
        )
        select
            count(*) filter (
                where s.users <> coalesce(x.users, 0) or s.payments <> coalesce(x.payments, 0)
                    or s.amount <> coalesce(x.amount, 0)
                    or s.users_holding_wealth_products <> coalesce(x.holding, 0)
            ),
            count(*),
            sum(s.users)
        from marts.scenario_payments s
        left join expected x using (month, scenario)
        """
    ).fetchone()
    months = con.execute(
        "select count(distinct date_trunc('month', partition_date)) from core.events "
        "where event_type = 'scenario_payment'"
    ).fetchone()[0]
    assert rows == months * len(landing.SCENARIOS) and payers > 0
    assert mismatches == 0


# --- literal rows ---------------------------------------------------------------------------

AS_OF = dt.date(2026, 3, 20)


def _load(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: list[tuple]) -> None:
    con.execute(f"create table {table} ({columns})")
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        con.executemany(f"insert into {table} values ({marks})", rows)


@pytest.fixture
def tiny():
    """Payments in February and March 2026 and three groups, as of 2026-03-20.

    A holds a fund at the 02-28 snapshot but has redeemed it by 03-15 (the last one so far in
    March); B holds only a deposit; C holds insurance at both. Group G1 has A, who joined and
    was active 29 days back, and D, who joined and was last active 30 days back.
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
            for domain in ("product_class", "liability_class", "wealth_class", "scenario")
            for value in landing.ENUMS[domain]
        ],
    )
    _load(
        con,
        "core.products",
        "product_id varchar, product_class varchar",
        [("cur", "current"), ("fund", "fund"), ("ins", "insurance"), ("card", "credit_card")],
    )
    feb, mar = dt.date(2026, 2, 28), dt.date(2026, 3, 15)
    _load(
        con,
        "core.snapshots",
        "as_of date, customer_id varchar, product_id varchar, status varchar",
        [
            (feb, "A", "fund", "active"),
            (mar, "A", "fund", "closed"),
            (mar, "A", "card", "active"),
            (feb, "B", "cur", "active"),
            (mar, "B", "cur", "active"),
            (feb, "C", "ins", "active"),
            (mar, "C", "ins", "active"),
            (dt.date(2026, 3, 31), "B", "fund", "active"),  # after as_of: unknown yet
        ],
    )
    edge_in, edge_out = AS_OF - dt.timedelta(days=29), AS_OF - dt.timedelta(days=30)
    _load(
        con,
        "core.events",
        "user_id varchar, event_type varchar, target_id varchar, category varchar, "
        "amount decimal(18, 2), partition_date date",
        [
            ("A", "scenario_payment", None, "dining", 10, dt.date(2026, 2, 3)),
            ("A", "scenario_payment", None, "dining", 20, dt.date(2026, 3, 3)),
            ("A", "scenario_payment", None, "dining", 5, dt.date(2026, 3, 4)),
            ("B", "scenario_payment", None, "dining", 7, dt.date(2026, 3, 5)),
            ("C", "scenario_payment", None, "medical", 100, dt.date(2026, 2, 10)),
            ("B", "scenario_payment", None, "medical", 1, dt.date(2026, 3, 21)),  # after as_of
            # groups: A is active 29 days back (in the window), D only 30 days back (out)
            ("A", "message_group", "G1", None, None, edge_in),
            ("D", "message_group", "G1", None, None, edge_out),
            ("C", "message_group", "G1", None, None, AS_OF),  # C left G1, the message counts
            ("A", "product_buy", "fund", None, 500, AS_OF),
            ("D", "product_buy", "fund", None, 800, edge_out),
        ],
    )
    _load(
        con,
        "core.groups",
        "group_id varchar, kind varchar, topic varchar, owner_manager_id varchar, created_at date",
        [
            ("G1", "interest", "funds", "M1", dt.date(2025, 1, 1)),
            ("G2", "industry", "it", None, dt.date(2025, 1, 1)),  # nobody in it
            ("G3", "family", None, None, AS_OF + dt.timedelta(days=1)),  # not created yet
        ],
    )
    _load(
        con,
        "graph.memberships",
        "customer_id varchar, group_id varchar, joined_at date, as_of date",
        [
            ("A", "G1", edge_in, AS_OF),
            ("D", "G1", edge_out, AS_OF),
            ("C", "G1", edge_in, AS_OF - dt.timedelta(days=1)),  # an earlier slice
        ],
    )
    _load(
        con,
        "features.holdings",
        "customer_id varchar, product_class varchar, as_of date",
        [
            ("A", "credit_card", AS_OF),
            ("A", "fund", AS_OF - dt.timedelta(days=1)),  # an earlier slice
            ("B", "current", AS_OF),
            ("D", "precious_metal", AS_OF),
            ("C", "insurance", AS_OF),
        ],
    )
    _load(
        con,
        "marts.wealth_summary",
        "customer_id varchar, total_assets decimal(38, 2), as_of date",
        [("A", 1000, AS_OF), ("C", 9999, AS_OF), ("D", 250.5, AS_OF)],
    )
    yield con
    con.close()


def test_scenario_payments_on_literal_rows(tiny):
    rows = query(tiny, "marts", "scenario_payments", {"as_of": AS_OF}).to_dicts()
    assert len(rows) == 2 * len(landing.SCENARIOS)  # every scenario, both months
    got = {(row["month"].month, row["scenario"]): row for row in rows if row["users"]}
    assert sorted(got) == [(2, "dining"), (2, "medical"), (3, "dining")]
    feb_dining, feb_medical, mar_dining = (
        got[(2, "dining")],
        got[(2, "medical")],
        got[(3, "dining")],
    )
    # February reads the 02-28 snapshot: A holds the fund then
    assert (feb_dining["users"], feb_dining["payments"], feb_dining["amount"]) == (1, 1, 10)
    assert feb_dining["users_holding_wealth_products"] == 1
    assert feb_medical["users_holding_wealth_products"] == 1  # C's insurance
    # March reads 03-15: A's fund is closed, a credit card is no wealth product, B holds a deposit
    assert (mar_dining["users"], mar_dining["payments"], mar_dining["amount"]) == (2, 3, 32)
    assert mar_dining["users_holding_wealth_products"] == 0
    assert mar_dining["cross_sell_share"] == 0.0 and feb_dining["cross_sell_share"] == 1.0
    empty = next(row for row in rows if row["users"] == 0)
    assert empty["cross_sell_share"] is None and empty["payments"] == 0


def test_group_activity_on_literal_rows(tiny):
    rows = query(tiny, "marts", "group_activity", {"as_of": AS_OF}).to_dicts()
    groups = {row["group_id"]: row for row in rows}
    assert sorted(groups) == ["G1", "G2"]
    g1, g2 = groups["G1"], groups["G2"]
    assert (g1["kind"], g1["topic"], g1["owner_manager_id"]) == ("interest", "funds", "M1")
    assert g1["members"] == 2  # A and D; C's membership is from an earlier slice
    assert g1["new_members_30d"] == 1  # A joined 29 days back, D 30
    assert g1["active_members_30d"] == 1  # A; D's last event is 30 days back
    assert g1["messages_30d"] == 2  # A's and C's, not D's
    assert g1["members_aum"] == 1250.5
    assert g1["members_with_wealth_products"] == 1  # D's precious metal; A holds a card
    assert g1["product_uptake_share"] == 0.5
    assert g1["member_purchases_30d"] == 1
    assert g2["members"] == 0 and g2["product_uptake_share"] is None and g2["members_aum"] == 0
