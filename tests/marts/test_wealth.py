"""My wealth on the sample: totals agree with the raw snapshots, history has no gaps."""

from __future__ import annotations


def test_assets_and_liabilities_match_the_latest_snapshot(con):
    mismatches = con.execute(
        """
        with latest as (
            select s.customer_id,
                sum(s.balance) filter (where p.product_class not in ('loan', 'credit_card'))
                    as assets,
                sum(s.balance) filter (where p.product_class in ('loan', 'credit_card'))
                    as liabilities
            from core.snapshots s join core.products p using (product_id)
            where s.as_of = (select max(as_of) from core.snapshots) and s.status <> 'closed'
            group by all
        )
        select count(*) from marts.wealth_summary w
        join latest using (customer_id)
        where w.total_assets <> coalesce(latest.assets, 0)
            or w.total_liabilities <> coalesce(latest.liabilities, 0)
        """
    ).fetchone()[0]
    assert mismatches == 0


def test_history_ends_at_the_summary_and_has_every_month(con):
    rows = con.execute(
        """
        select count(*) filter (where h.net_worth <> w.net_worth), count(*)
        from marts.wealth_summary w
        join marts.wealth_history h
            on h.customer_id = w.customer_id and h.month = date_trunc('month', w.as_of)
        """
    ).fetchone()
    assert rows[0] == 0 and rows[1] > 1900
    gaps = con.execute(
        """
        select count(*) from (
            select customer_id, count(*) = date_diff('month', min(month), max(month)) + 1 as ok
            from marts.wealth_history group by all
        ) where not ok
        """
    ).fetchone()[0]
    assert gaps == 0


def test_advice_has_a_row_per_rule_and_messages_only_when_failing(con):
    rules, customers, bad = con.execute(
        """
        select count(distinct rule_id), count(distinct customer_id),
            count(*) filter (where passed = (message is not null))
        from marts.wealth_advice
        """
    ).fetchone()
    assert rules == 7 and customers == 2000 and bad == 0


def test_wealth_page_renders_for_a_sample_customer(con):
    from wealthgraph.wealth.report import render

    customer = con.execute(
        "select customer_id from marts.wealth_advice where not passed limit 1"
    ).fetchone()[0]
    page = render(con, customer)
    assert page.startswith("<!doctype html>") and page.count("<svg") == 2
    assert customer in page and "<li><b>" in page  # at least one piece of advice
    name, phone = con.execute(
        "select name, phone from core.customers where customer_id = ?", [customer]
    ).fetchone()
    assert name not in page and phone not in page


def _unordered(con, table: str, column: str, key: str) -> tuple[int, int]:
    """Rows of ``table`` whose ``column`` list is not in the order of ``key`` (an expression of
    ``x``, one element), and rows with more than one element: the lists are sorted in SQL by
    list_sort on a sort key, not by an ordered aggregate, so the order is a promise to test."""
    return con.execute(
        f"""
        select
            count(*) filter (where list_transform({column}, x -> {key})
                <> list_sort(list_transform({column}, x -> {key}))),
            count(*) filter (where len({column}) > 1)
        from {table}
        """
    ).fetchone()


def test_lists_come_largest_first_then_by_name(con):
    for table, column, key in [
        ("marts.wealth_summary", "allocation_by_class", "(-x.amount, x.product_class)"),
        ("marts.wealth_summary", "allocation_by_risk", "x.risk_level"),
        ("marts.wealth_summary", "income_by_category", "(-x.amount_3m, x.category)"),
        ("marts.wealth_summary", "spending_by_category", "(-x.amount_3m, x.category)"),
        ("marts.user_profile", "top_topics", "(-x.share, x.topic)"),
        ("marts.user_profile", "product_classes_held", "x"),
    ]:
        unordered, several = _unordered(con, table, column, key)
        assert unordered == 0, f"{table}.{column}: {unordered} lists out of order"
        assert several > 100, f"{table}.{column}: too few lists of two or more to tell"
    assert con.execute("select max(len(top_topics)) from marts.user_profile").fetchone()[0] == 3
