"""The risk rules: each reads one value of a payment's features (features.risk_payments),
compares it with a threshold from RiskConfig, and says in an investigator's words why it fired.

A rule's value is null where the rule does not apply (a payment to an old friend has no "new
payee" amount), and a null never fires. Add a rule by appending to RULES;
``tests/risk/test_rules.py`` tests each at its threshold.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from wealthgraph.config import RISK, RiskConfig


@dataclass(frozen=True)
class Rule:
    """``fired`` = ``fires(value, threshold)``; a null value does not fire."""

    rule_id: str
    value: pl.Expr
    threshold: Callable[[RiskConfig], float]
    fires: Callable[[pl.Expr, float], pl.Expr]
    reason: str  # shown when the rule fires; {value} and {threshold} are filled in


def _when(condition: pl.Expr, value: pl.Expr) -> pl.Expr:
    return pl.when(condition).then(value)


_TAKEOVER_SIGNS = (
    pl.col("is_new_device").cast(pl.Int32)
    + pl.col("is_new_city").cast(pl.Int32)
    + pl.col("is_first_contact").cast(pl.Int32)
    + pl.col("is_night").cast(pl.Int32)
)

RULES: tuple[Rule, ...] = (
    Rule(
        "takeover_signs",
        _TAKEOVER_SIGNS.cast(pl.Float64),
        lambda c: c.takeover_signs,
        operator.ge,
        "{value:.0f} of 4 signs of a taken-over account: a device or city new to the customer, "
        "a payee they never dealt with, a night-time payment",
    ),
    Rule(
        "large_to_new_payee",
        _when(pl.col("is_first_contact"), pl.col("amount")),
        lambda c: c.large_amount,
        operator.ge,
        "¥{value:,.0f} to someone the customer never dealt with before",
    ),
    Rule(
        "amount_spike",
        _when(
            pl.col("amount") >= RISK.spike_min_amount,
            pl.col("amount") / pl.col("max_amount_before"),
        ),
        lambda c: c.amount_spike,
        operator.ge,
        "{value:.0f} times the customer's largest payment of the month before",
    ),
    Rule(
        "drain",
        pl.col("drain_share"),
        lambda c: c.drain_share,
        operator.ge,
        "moves {value:.0%} of the customer's money out within a day",
    ),
    Rule(
        "burst",
        (pl.col("out_count_1h") + 1).cast(pl.Float64),
        lambda c: c.burst_payments,
        operator.ge,
        "payment number {value:.0f} within an hour",
    ),
    Rule(
        "shared_device",
        pl.col("device_customers").cast(pl.Float64),
        lambda c: c.shared_device_customers,
        operator.ge,
        "made on a device {value:.0f} other customers used before",
    ),
    Rule(
        "pass_through",
        # above 1 they pay out more than came in: their own money, not a pass-through
        _when(
            pl.col("is_first_contact") & (pl.col("passthrough_share") <= 1),
            pl.col("passthrough_share"),
        ),
        lambda c: c.passthrough_share,
        operator.ge,
        "passes on {value:.0%} of what new contacts paid in within 24 hours, to a new payee",
    ),
    Rule(
        "new_friend_payment",
        _when(
            ~pl.col("is_friend")
            & ~pl.col("is_first_contact")
            & (pl.col("amount") >= RISK.new_friend_min_amount),
            pl.col("contact_age_hours").cast(pl.Float64),
        ),
        lambda c: c.new_friend_hours,
        operator.le,
        "pays a contact first met {value:.0f} hours ago",
    ),
)


RULE = {rule.rule_id: rule for rule in RULES}


def evaluate(frame: pl.DataFrame, config: RiskConfig = RISK) -> pl.DataFrame:
    """``frame`` with ``rule_hits`` (the ids of the rules that fired, in RULES order) and
    ``reasons`` (their words, values filled in)."""
    values = frame.select("event_id", *(r.value.cast(pl.Float64).alias(r.rule_id) for r in RULES))
    long = values.unpivot(index="event_id", variable_name="rule", value_name="value")
    threshold = {r.rule_id: r.threshold(config) for r in RULES}
    fired = pl.concat(
        long.filter(pl.col("rule") == r.rule_id, r.fires(pl.col("value"), threshold[r.rule_id]))
        for r in RULES
    )
    # words only for the rules that fired: a small share of the rows
    reasons = [
        RULE[rule].reason.format(value=value, threshold=threshold[rule])
        for rule, value in zip(fired["rule"], fired["value"], strict=True)
    ]
    order = {rule_id: i for i, rule_id in enumerate(RULE)}
    per_payment = (
        fired.with_columns(
            reason=pl.Series(reasons, dtype=pl.String),
            order=pl.col("rule").replace_strict(order, return_dtype=pl.Int32),
        )
        .sort("event_id", "order")
        .group_by("event_id", maintain_order=True)
        .agg(rule_hits=pl.col("rule"), reasons=pl.col("reason"))
    )
    empty = pl.lit([], dtype=pl.List(pl.String))
    return frame.join(per_payment, on="event_id", how="left").with_columns(
        rule_hits=pl.col("rule_hits").fill_null(empty),
        reasons=pl.col("reasons").fill_null(empty),
    )
