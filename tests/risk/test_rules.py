"""Each risk rule on a literal payment just inside and just outside its threshold, and the
decision bands at theirs."""

from __future__ import annotations

import polars as pl
import pytest

from wealthgraph.config import RISK
from wealthgraph.risk.rules import RULE, evaluate
from wealthgraph.risk.signals import decision

# an ordinary payment: a friend, a known device, daytime, small against the balance
ORDINARY = {
    "event_id": "E1",
    "amount": 200.0,
    "is_night": False,
    "is_new_device": False,
    "is_new_city": False,
    "is_first_contact": False,
    "is_friend": True,
    "contact_age_hours": 5000,
    "device_customers": 1,
    "out_count_1h": 0,
    "max_amount_before": 300.0,
    "drain_share": 0.05,
    "passthrough_share": None,
}


def hits(**changes) -> list[str]:
    row = {**ORDINARY, **changes}
    frame = pl.DataFrame([row], schema_overrides={"passthrough_share": pl.Float64})
    return evaluate(frame).row(0, named=True)["rule_hits"]


def test_an_ordinary_payment_fires_nothing():
    assert hits() == []


@pytest.mark.parametrize(
    ("rule_id", "quiet", "fires"),
    [
        (
            "takeover_signs",
            {"is_new_device": True, "is_new_city": True},
            {"is_new_device": True, "is_new_city": True, "is_night": True},
        ),
        (
            "large_to_new_payee",
            {"is_first_contact": True, "is_friend": False, "amount": RISK.large_amount - 0.01},
            {"is_first_contact": True, "is_friend": False, "amount": RISK.large_amount},
        ),
        (
            "amount_spike",
            {"amount": 10_000.0, "max_amount_before": 10_000.0 / RISK.amount_spike + 1},
            {"amount": 10_000.0, "max_amount_before": 10_000.0 / RISK.amount_spike},
        ),
        ("drain", {"drain_share": RISK.drain_share - 0.001}, {"drain_share": RISK.drain_share}),
        (
            "burst",
            {"out_count_1h": int(RISK.burst_payments) - 2},
            {"out_count_1h": int(RISK.burst_payments) - 1},
        ),
        (
            "shared_device",
            {"device_customers": int(RISK.shared_device_customers) - 1},
            {"device_customers": int(RISK.shared_device_customers)},
        ),
        (
            "pass_through",
            {"is_first_contact": True, "passthrough_share": RISK.passthrough_share - 0.01},
            {"is_first_contact": True, "passthrough_share": RISK.passthrough_share},
        ),
        (
            "new_friend_payment",
            {"is_friend": False, "amount": 600.0, "contact_age_hours": RISK.new_friend_hours + 1},
            {"is_friend": False, "amount": 600.0, "contact_age_hours": RISK.new_friend_hours},
        ),
    ],
)
def test_rule_at_its_threshold(rule_id, quiet, fires):
    assert rule_id not in hits(**quiet)
    assert rule_id in hits(**fires)


def test_reasons_are_words_with_the_figure_filled_in():
    row = {
        **ORDINARY,
        "is_first_contact": True,
        "is_friend": False,
        "amount": 12_345.0,
        "max_amount_before": 10_000.0,
    }
    out = evaluate(pl.DataFrame([row])).row(0, named=True)
    assert out["rule_hits"] == ["large_to_new_payee"]
    assert out["reasons"] == ["¥12,345 to someone the customer never dealt with before"]


def test_a_rule_that_does_not_apply_does_not_fire():
    # no earlier payment: no spike to speak of, however large
    assert "amount_spike" not in hits(amount=1e6, max_amount_before=None)
    # a friend of years: a large payment is no "new payee"
    assert "large_to_new_payee" not in hits(amount=1e6)


def test_every_rule_is_tested():
    assert set(RULE) == {
        "takeover_signs",
        "large_to_new_payee",
        "amount_spike",
        "drain",
        "burst",
        "shared_device",
        "pass_through",
        "new_friend_payment",
    }


@pytest.mark.parametrize(
    ("score", "rules", "band"),
    [
        (RISK.review_score - 1e-6, RISK.review_rules - 1, "allow"),
        (RISK.review_score, 0, "review"),
        (0.0, RISK.review_rules, "review"),
        (RISK.hold_score - 1e-6, RISK.hold_rules - 1, "review"),
        (RISK.hold_score, 0, "hold"),
        (0.0, RISK.hold_rules, "hold"),
    ],
)
def test_decision_bands_at_their_thresholds(score, rules, band):
    frame = pl.DataFrame(
        {"model_score": [score], "rule_hits": [["r"] * rules]},
        schema={"model_score": pl.Float64, "rule_hits": pl.List(pl.String)},
    )
    assert frame.select(decision()).item() == band
