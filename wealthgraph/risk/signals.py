"""marts.risk_signals from features.risk_payments: rule hits, model score, decision band."""

from __future__ import annotations

import lightgbm as lgb
import polars as pl

from wealthgraph.config import RISK, RiskConfig

from . import model, rules

COLUMNS = (
    "event_id",
    "ts",
    "customer_id",
    "payee_id",
    "event_type",
    "amount",
    "device_id",
    "rule_hits",
    "reasons",
    "model_score",
    "decision",
    "model_version",
    "partition_date",
)


def decision(config: RiskConfig = RISK) -> pl.Expr:
    """hold / review / allow from the model score and the number of rules that fired."""
    hits = pl.col("rule_hits").list.len()
    return (
        pl.when((pl.col("model_score") >= config.hold_score) | (hits >= config.hold_rules))
        .then(pl.lit("hold"))
        .when((pl.col("model_score") >= config.review_score) | (hits >= config.review_rules))
        .then(pl.lit("review"))
        .otherwise(pl.lit("allow"))
    )


def score_payments(
    payments: pl.DataFrame, booster: lgb.Booster, version: str, config: RiskConfig = RISK
) -> pl.DataFrame:
    """Every payment scored: the rules that fired and why, the model's score, the band; a
    payment the model alone flags gets the model's reasons too, so no flag goes unexplained."""
    scored = rules.evaluate(payments, config).with_columns(
        model_score=pl.Series(model.score(booster, payments), dtype=pl.Float64),
        model_version=pl.lit(version),
    )
    scored = scored.with_columns(decision=decision(config))
    flagged = payments.filter(scored["model_score"] >= config.review_score)
    if flagged.height:
        why = pl.DataFrame(
            {"event_id": flagged["event_id"], "model_reason": model.explain(booster, flagged)}
        )
        scored = scored.join(why, on="event_id", how="left").with_columns(
            reasons=pl.when(pl.col("model_reason").is_not_null())
            .then(pl.col("reasons").list.concat(pl.concat_list("model_reason")))
            .otherwise(pl.col("reasons"))
        )
    return scored.select(COLUMNS)
