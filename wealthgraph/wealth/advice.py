"""A small rules engine: each rule reads one value of a wealth-summary row, compares it with a
threshold from WealthConfig, and says in plain words what to do when it fails.

Add a rule by appending to RULES; ``tests/wealth/test_advice.py`` tests each at its threshold.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from wealthgraph.config import WEALTH, WealthConfig


@dataclass(frozen=True)
class Rule:
    """``passed`` = ``ok(value, threshold)``; a null value (nothing to judge) passes."""

    rule_id: str
    value: pl.Expr
    threshold: Callable[[WealthConfig], float]
    ok: Callable[[pl.Expr, float], pl.Expr]
    message: str  # shown when the rule fails; {value} and {threshold} are filled in


RULES: tuple[Rule, ...] = (
    Rule(
        "emergency_fund",
        pl.col("liquid_months"),
        lambda c: c.emergency_fund_months,
        operator.ge,
        "Your cash and deposits cover {value:.1f} months of spending; keep at least "
        "{threshold:.0f} months for emergencies before investing more.",
    ),
    Rule(
        "idle_cash",
        pl.col("idle_cash"),
        lambda c: c.idle_cash_min_amount,
        operator.le,
        "¥{value:,.0f} in your current account is more than you need for daily spending; "
        "a suitable deposit or wealth product could earn more.",
    ),
    Rule(
        "risk_match",
        pl.col("is_risk_mismatch").cast(pl.Float64),
        lambda c: 0.0,
        operator.le,
        "Some of your holdings are riskier than your risk profile; review them with your "
        "relationship manager or update your risk assessment.",
    ),
    Rule(
        "concentration",
        pl.col("concentration_share"),
        lambda c: c.concentration_max_share,
        operator.le,
        "{value:.0%} of your assets sit in one holding (more than {threshold:.0%}); spreading "
        "them lowers the risk.",
    ),
    Rule(
        "maturing_soon",
        pl.col("maturing_products_30d").cast(pl.Float64),
        lambda c: 0.0,
        operator.le,
        "Products maturing within 30 days: {value:.0f}; plan where the money goes next.",
    ),
    Rule(
        "debt_to_asset",
        pl.col("debt_to_asset_ratio"),
        lambda c: c.debt_to_asset_max_ratio,
        operator.le,
        "Your debts are {value:.0%} of your assets (above {threshold:.0%}); consider paying "
        "down the most expensive debt first.",
    ),
    Rule(
        "overdue_loan",
        pl.col("has_overdue_loan").cast(pl.Float64),
        lambda c: 0.0,
        operator.le,
        "A loan repayment is overdue; repay it soon to protect your credit record.",
    ),
)


def advise(
    summary: pl.DataFrame, rules: tuple[Rule, ...] = RULES, config: WealthConfig = WEALTH
) -> pl.DataFrame:
    """One row per customer, as_of and rule: ``passed``, ``message`` (null when passed),
    ``value`` and ``threshold``.

    >>> s = pl.DataFrame({"customer_id": ["a"], "as_of": [None], "debt_to_asset_ratio": [0.7]})
    >>> rule = next(r for r in RULES if r.rule_id == "debt_to_asset")
    >>> advise(s, (rule,))["message"].item()[:46]
    'Your debts are 70% of your assets (above 50%);'
    """
    frames = []
    for rule in rules:
        threshold = float(rule.threshold(config))
        frame = summary.select(
            "customer_id",
            "as_of",
            pl.lit(rule.rule_id).alias("rule_id"),
            rule.value.cast(pl.Float64).alias("value"),
            pl.lit(threshold).alias("threshold"),
        ).with_columns(
            passed=pl.col("value").is_null() | rule.ok(pl.col("value"), threshold),
        )
        messages = [
            None if passed else rule.message.format(value=value, threshold=threshold)
            for value, passed in frame.select("value", "passed").iter_rows()
        ]
        frames.append(frame.with_columns(message=pl.Series(messages, dtype=pl.String)))
    return pl.concat(frames).select(
        "customer_id", "as_of", "rule_id", "passed", "message", "value", "threshold"
    )
