"""Every id the wealth page shows has a Chinese and an English label, and no label is stale."""

from __future__ import annotations

import re

import pytest

from wealthgraph import landing
from wealthgraph.wealth import labels
from wealthgraph.wealth.advice import RULES

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    ("name", "table", "contract"),
    [
        ("advice rule", labels.RULES, [rule.rule_id for rule in RULES]),
        ("transaction category", labels.TRANSACTION_CATEGORIES, landing.TRANSACTION_CATEGORIES),
        ("product class", labels.PRODUCT_CLASSES, landing.PRODUCT_CLASSES),
        ("risk level", labels.RISK_LEVELS, landing.RISK_LEVELS),
        ("risk profile", labels.RISK_TOLERANCES, landing.RISK_TOLERANCES),
    ],
)
def test_labels_cover_the_contract(name, table, contract):
    missing = sorted(set(contract) - set(table))
    stale = sorted(set(table) - set(contract))
    assert not missing, f"{name}s without a label in wealthgraph/wealth/labels.py: {missing}"
    assert not stale, f"labels in wealthgraph/wealth/labels.py for no {name}: {stale}"


@pytest.mark.parametrize(
    "table",
    [
        labels.RULES,
        labels.TRANSACTION_CATEGORIES,
        labels.PRODUCT_CLASSES,
        labels.RISK_LEVELS,
        labels.RISK_TOLERANCES,
    ],
)
def test_every_label_is_chinese_and_english_words(table):
    for key, label in table.items():
        assert CJK.search(label.zh) and not re.search(r"[A-Za-z_]", label.zh), key
        assert label.en and label.en[0].isupper() and "_" not in label.en, key
        assert not CJK.search(label.en), key


def test_an_id_without_a_label_shows_as_words_not_an_error():
    assert labels.label(labels.TRANSACTION_CATEGORIES, "red_packet").en == "Red packet"
    assert labels.label(labels.RULES, None) == labels.Label("未知", "Unknown")
