"""The payment-risk model: a gradient-boosted classifier (LightGBM) over features.risk_payments.

Why boosted trees and not an isolation forest: the frauds that matter are not merely rare, they
are rare in a particular way (a new device *and* a new payee *and* most of the balance), and a
model trained on confirmed cases learns those combinations, while an isolation forest flags
every unusual customer, the traveller on a new phone as much as the thief. A bank has confirmed
cases from its investigators; here they are the generator's planted truth (``_truth/``), and
``python -m wealthgraph.risk.train`` fits the shipped model on an earlier window than the one
benchmarks/risk.py scores.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl

MODEL_PATH = Path(__file__).with_name("model.txt")
EVENT_TYPES = ("transfer", "red_packet", "aa_bill")

# the model's inputs, in order: each a column of features.risk_payments or derived from them
FEATURES: dict[str, pl.Expr] = {
    "amount": pl.col("amount"),
    "event_type": pl.col("event_type").replace_strict(
        {t: i for i, t in enumerate(EVENT_TYPES)}, default=-1, return_dtype=pl.Int32
    ),
    "tenure_days": pl.col("tenure_days"),
    "is_night": pl.col("is_night"),
    "night_share_30d": pl.col("night_share_30d"),
    "active_days_30d": pl.col("active_days_30d"),
    "is_new_device": pl.col("is_new_device"),
    "device_customers": pl.col("device_customers"),
    "is_new_city": pl.col("is_new_city"),
    "is_first_contact": pl.col("is_first_contact"),
    "contact_age_hours": pl.col("contact_age_hours"),
    "is_friend": pl.col("is_friend"),
    "tie_strength": pl.col("tie_strength"),
    "payee_prior_payments": pl.col("payee_prior_payments"),
    "out_count_1h": pl.col("out_count_1h"),
    "out_count_24h": pl.col("out_count_24h"),
    "out_amount_24h": pl.col("out_amount_24h"),
    "in_amount_24h": pl.col("in_amount_24h"),
    "new_senders_24h": pl.col("new_senders_24h"),
    "in_new_amount_24h": pl.col("in_new_amount_24h"),
    "amount_to_max_before": pl.col("amount") / pl.col("max_amount_before"),
    "amount_to_avg_before": pl.col("amount") / pl.col("avg_amount_before"),
    "liquid_balance": pl.col("liquid_balance"),
    "drain_share": pl.col("drain_share"),
    "passthrough_share": pl.col("passthrough_share"),
}
# each input in an investigator's words, for the reasons of a payment the model flags
WORDS: dict[str, str] = {
    "amount": "the amount",
    "event_type": "the kind of payment",
    "tenure_days": "how new the customer is",
    "is_night": "the time of night",
    "night_share_30d": "how rarely the customer is up at night",
    "active_days_30d": "how often the customer uses the app",
    "is_new_device": "a device new to the customer",
    "device_customers": "a device other customers used",
    "is_new_city": "a city new to the customer",
    "is_first_contact": "a payee never dealt with before",
    "contact_age_hours": "how recently the two met",
    "is_friend": "not a friend",
    "tie_strength": "a weak tie to the payee",
    "payee_prior_payments": "no earlier payments to the payee",
    "out_count_1h": "the payments in the hour before",
    "out_count_24h": "the payments in the day before",
    "out_amount_24h": "the money paid out in the day before",
    "in_amount_24h": "the money paid in during the day before",
    "new_senders_24h": "money just received from new contacts",
    "in_new_amount_24h": "money just received from new contacts",
    "amount_to_max_before": "the amount against the customer's largest",
    "amount_to_avg_before": "the amount against the customer's usual",
    "liquid_balance": "the balance",
    "drain_share": "the share of the balance moved out",
    "passthrough_share": "passing on money just received",
}
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 10,
    "feature_fraction": 0.9,
    "lambda_l2": 1.0,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "seed": 0,
    "verbose": -1,
}
ROUNDS = 300


def matrix(frame: pl.DataFrame) -> np.ndarray:
    """The model's input matrix (float, NaN where a feature is unknown) for payment rows."""
    return frame.select(
        expr.cast(pl.Float64).alias(name) for name, expr in FEATURES.items()
    ).to_numpy()


def train(frame: pl.DataFrame, fraud: np.ndarray, rounds: int = ROUNDS) -> lgb.Booster:
    """Fit the model on payments and their labels (True: confirmed fraud)."""
    data = lgb.Dataset(matrix(frame), np.asarray(fraud, dtype=np.float64), feature_name=[*FEATURES])
    return lgb.train(PARAMS, data, num_boost_round=rounds)


class ModelError(RuntimeError):
    """The shipped model is missing or was trained on other features."""


def load(path: Path = MODEL_PATH) -> lgb.Booster:
    """The trained model; a clear error if it is missing or its features are not ours."""
    if not path.exists():
        raise ModelError(
            f"no risk model at {path}: train one with python -m wealthgraph.risk.train"
        )
    booster = lgb.Booster(model_file=str(path))
    if booster.feature_name() != [*FEATURES]:
        raise ModelError(
            f"the risk model at {path} was trained on other features; retrain it with "
            "python -m wealthgraph.risk.train"
        )
    return booster


def version(path: Path = MODEL_PATH) -> str:
    """``risk-lgbm-<first 8 hex of the model file's sha256>``: changes whenever the model does."""
    return "risk-lgbm-" + hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def explain(booster: lgb.Booster, frame: pl.DataFrame, top: int = 3) -> list[str]:
    """Per payment row, the model's score in words with the inputs that raised it most (their
    SHAP contributions, which LightGBM computes with ``pred_contrib``)."""
    contrib = booster.predict(matrix(frame), pred_contrib=True, num_threads=1)[:, :-1]
    names = [*FEATURES]
    scores = score(booster, frame)
    out = []
    for row, p in zip(contrib, scores, strict=True):
        order = [i for i in np.argsort(-row)[:top] if row[i] > 0]
        words = list(dict.fromkeys(WORDS[names[i]] for i in order))
        out.append(f"the model scores it {p:.2f}, mostly for " + ", ".join(words))
    return out


def score(booster: lgb.Booster, frame: pl.DataFrame) -> np.ndarray:
    """Probability of fraud per payment row (0..1)."""
    if frame.height == 0:
        return np.zeros(0)
    return booster.predict(matrix(frame), num_threads=1)
