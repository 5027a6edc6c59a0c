"""Each advice rule, on literal rows just inside and just outside its threshold."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from wealthgraph.config import WealthConfig
from wealthgraph.wealth.advice import RULES, advise

CONFIG = WealthConfig()
RULE = {rule.rule_id: rule for rule in RULES}


def check(rule_id: str, column: str, value, dtype=pl.Float64) -> dict:
    summary = pl.DataFrame(
        {"customer_id": ["c1"], "as_of": [dt.date(2026, 10, 31)], column: [value]},
        schema_overrides={column: dtype},
    )
    return advise(summary, (RULE[rule_id],), CONFIG).row(0, named=True)


@pytest.mark.parametrize(
    ("rule_id", "column", "passing", "failing", "dtype"),
    [
        ("emergency_fund", "liquid_months", 3.0, 2.99, pl.Float64),
        ("idle_cash", "idle_cash", 20_000.0, 20_000.01, pl.Float64),
        ("concentration", "concentration_share", 0.6, 0.6001, pl.Float64),
        ("debt_to_asset", "debt_to_asset_ratio", 0.5, 0.5001, pl.Float64),
        ("maturing_soon", "maturing_products_30d", 0, 1, pl.Int64),
        ("risk_match", "is_risk_mismatch", False, True, pl.Boolean),
        ("overdue_loan", "has_overdue_loan", False, True, pl.Boolean),
    ],
)
def test_rule_at_its_threshold(rule_id, column, passing, failing, dtype):
    ok = check(rule_id, column, passing, dtype)
    assert ok["passed"] and ok["message"] is None
    bad = check(rule_id, column, failing, dtype)
    assert not bad["passed"]
    assert bad["message"] and "{" not in bad["message"]
    assert bad["threshold"] == ok["threshold"]


def test_nothing_to_judge_passes():
    assert check("emergency_fund", "liquid_months", None)["passed"]


def test_every_rule_is_tested():
    tested = {
        "emergency_fund",
        "idle_cash",
        "concentration",
        "debt_to_asset",
        "maturing_soon",
        "risk_match",
        "overdue_loan",
    }
    assert set(RULE) == tested


def test_messages_fill_in_value_and_threshold():
    row = check("emergency_fund", "liquid_months", 1.25)
    assert "1.2 months" in row["message"] and "3 months" in row["message"]
