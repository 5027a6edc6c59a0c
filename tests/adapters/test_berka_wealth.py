"""My wealth on the real Berka bank data: the same SQL and rules as the sample, and the page."""

from __future__ import annotations

import pytest

from tests.adapters.test_berka import BERKA
from wealthgraph import landing
from wealthgraph.adapters.berka import convert
from wealthgraph.config import sql_params
from wealthgraph.ingest import ingest_landing
from wealthgraph.sql import build_months, build_table
from wealthgraph.warehouse import connect, latest_day, write_slice
from wealthgraph.wealth.advice import advise
from wealthgraph.wealth.report import render


@pytest.fixture(scope="module")
def berka_wealth(tmp_path_factory):
    if not BERKA.exists():
        pytest.skip(f"Berka dataset not found at {BERKA} (../shared/datasets is optional)")
    root = tmp_path_factory.mktemp("berka")
    convert(BERKA, root / "landing")
    days = sorted(
        {d for s in landing.DAILY_SOURCES for d in landing.landed_days(root / "landing", s)}
    )
    con = connect(root / "wh.duckdb")
    ingest_landing(con, root / "landing", days)
    as_of = latest_day(con)
    params = {"as_of": as_of, **sql_params()}
    for schema, table in (
        ("features", "customers"),
        ("features", "holdings"),
        ("features", "finances"),
    ):
        build_table(con, schema, table, params, by_as_of=True)
    build_months(con, "marts", "wealth_history", "month", days[0], params)
    build_table(con, "marts", "wealth_summary", params, by_as_of=True)
    summary = con.execute("select * from marts.wealth_summary").pl()
    write_slice(con, "marts.wealth_advice", advise(summary).drop("as_of"), as_of)
    yield con
    con.close()


def test_summary_holds_every_customer_and_adds_up(berka_wealth):
    con = berka_wealth
    rows, wrong, debtors = con.execute(
        """
        select count(*), count(*) filter (where net_worth <> total_assets - total_liabilities),
            count(*) filter (where total_liabilities > 0)
        from marts.wealth_summary
        """
    ).fetchone()
    registered = con.execute(
        "select count(*) from core.customers where registered_at <= "
        "(select max(as_of) from marts.wealth_summary)"
    ).fetchone()[0]
    assert rows == registered > 1000 and wrong == 0 and debtors > 30


def test_overdue_loans_raise_advice(berka_wealth):
    flagged = berka_wealth.execute(
        "select count(*) from marts.wealth_advice where rule_id = 'overdue_loan' and not passed"
    ).fetchone()[0]
    assert flagged > 0


def test_wealth_page_renders_for_a_berka_customer(berka_wealth):
    con = berka_wealth
    customer = con.execute(
        "select customer_id from marts.wealth_summary where total_liabilities > 0 "
        "order by customer_id limit 1"
    ).fetchone()[0]
    page = render(con, customer)
    assert customer in page and page.count("<svg") == 2
    assert '还贷 <span class="en" lang="en">Loan repayments</span>' in page  # loan_payment
