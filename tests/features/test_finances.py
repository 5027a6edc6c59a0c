"""features.finances: the money figures defined once, pinned on literal rows, and shown unchanged
by the marts that read them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.marts.literal import add, build, warehouse
from wealthgraph.config import PROFILE, WEALTH

D = dt.date(2026, 3, 31)


def _holding(customer: str, product_class: str, balance: float, **more) -> dict:
    return {
        "customer_id": customer,
        "product_class": product_class,
        "is_liability": product_class in ("loan", "credit_card"),
        "balance": Decimal(str(balance)),
        "is_overdue": False,
        "as_of": D,
        **more,
    }


def _debit(customer: str, day: dt.date, amount: float, direction: str = "debit") -> dict:
    return {
        "txn_id": f"{customer}-{day}-{direction}",
        "ts": dt.datetime.combine(day, dt.time(12)),
        "customer_id": customer,
        "direction": direction,
        "amount": Decimal(str(amount)),
        "category": "dining",
    }


@pytest.fixture(scope="module")
def finances() -> dict[str, dict]:
    con = warehouse()
    add(
        con,
        "features.customers",
        [{"customer_id": c, "as_of": D} for c in ("rich", "debtor", "new")],
    )
    rich_assets = PROFILE.high_net_worth_from  # exactly at the threshold: high net worth
    add(
        con,
        "features.holdings",
        [
            _holding("rich", "current", 100_000),
            _holding("rich", "fund", rich_assets - 100_000),
            # an earlier slice is history, not what the customer has now
            _holding("rich", "fund", 1e9, as_of=D - dt.timedelta(days=1)),
            _holding("debtor", "current", 1_000),
            _holding("debtor", "wealth", 2_000),
            _holding("debtor", "loan", 3_000, is_overdue=True),
            _holding("debtor", "credit_card", 500),
        ],
    )
    add(
        con,
        "core.transactions",
        [
            _debit("rich", D, 20_000),
            _debit("rich", D - dt.timedelta(days=89), 10_000),  # the window's first day
            _debit("rich", D - dt.timedelta(days=90), 5_000),  # before the window
            _debit("rich", D + dt.timedelta(days=1), 7_000),  # after as_of
            _debit("rich", D, 50_000, direction="credit"),  # income is not spending
        ],
    )
    build(con, "features", "finances", D)
    rows = con.execute("select * from features.finances").pl().to_dicts()
    con.close()
    return {row["customer_id"]: row for row in rows}


def test_one_row_per_customer_even_without_money(finances):
    assert sorted(finances) == ["debtor", "new", "rich"]
    new = finances["new"]
    assert (new["total_assets"], new["total_liabilities"], new["net_worth"]) == (0, 0, 0)
    assert (new["spending_3m"], new["idle_cash"], new["segment"]) == (0, 0, "mass")
    assert new["debt_to_asset_ratio"] is None and new["has_overdue_loan"] is False


def test_idle_cash_is_the_current_balance_beyond_months_of_spending(finances):
    rich = finances["rich"]
    assert rich["spending_3m"] == 30_000
    assert rich["idle_cash"] == pytest.approx(100_000 - WEALTH.idle_cash_months * 30_000 / 3)
    assert rich["current_balance"] == 100_000
    assert rich["segment"] == "high_net_worth"


def test_debts_count_against_assets(finances):
    debtor = finances["debtor"]
    assert (debtor["total_assets"], debtor["total_liabilities"]) == (3_000, 3_500)
    assert debtor["net_worth"] == -500
    assert debtor["debt_to_asset_ratio"] == pytest.approx(3_500 / 3_000)
    assert debtor["has_overdue_loan"] is True
    assert debtor["idle_cash"] == 1_000  # no spending: the whole current balance is idle


def test_the_marts_show_the_same_figures(con):
    differ = con.execute(
        """
        select
            count(*) filter (
                where (w.total_assets, w.total_liabilities, w.net_worth, w.spending_3m,
                    w.idle_cash, w.debt_to_asset_ratio, w.has_overdue_loan)
                is distinct from (f.total_assets, f.total_liabilities, f.net_worth, f.spending_3m,
                    f.idle_cash, f.debt_to_asset_ratio, f.has_overdue_loan)
            ),
            count(*) filter (
                where (p.aum, p.liabilities, p.aum_current, p.segment)
                is distinct from (f.total_assets, f.total_liabilities, f.current_balance, f.segment)
            ),
            count(*)
        from features.finances f
        join marts.wealth_summary w using (customer_id, as_of)
        join marts.user_profile p using (customer_id, as_of)
        """
    ).fetchone()
    assert differ[:2] == (0, 0) and differ[2] > 1000
