"""The product ALS is refitted weekly and warm-started from the kept item factors between."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import polars as pl
import pytest

from wealthgraph.config import RECOMMEND, AlsParams
from wealthgraph.recommend import products
from wealthgraph.warehouse import latest_day


@pytest.fixture(scope="module")
def today(sample_warehouse):
    import duckdb

    with duckdb.connect(str(sample_warehouse.database), read_only=True) as con:
        return products.load_inputs(con, latest_day(con))


@pytest.fixture(scope="module")
def stored(today):
    """Factors as a full fit on the day before would have stored them, rows shuffled."""
    fitted = products.fit(today)
    rows = products.item_factors(fitted, today.as_of - dt.timedelta(days=1))
    return rows.sample(fraction=1.0, shuffle=True, seed=3)


def test_factors_from_an_earlier_day_are_kept_in_the_catalog_order(today, stored):
    factors, why = products.kept_factors(stored, today)
    assert why.startswith("warm start")
    by_id = dict(zip(stored["product_id"], stored["factors"].to_list(), strict=True))
    expected = np.asarray([by_id[p] for p in today.products["product_id"]], dtype=np.float32)
    np.testing.assert_array_equal(factors, expected)


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda s: None, "no stored factors"),
        (
            lambda s: s.with_columns(fitted_on=pl.col("fitted_on") + dt.timedelta(days=1)),
            "not before",
        ),
        (
            lambda s: s.with_columns(fitted_on=pl.col("fitted_on") - dt.timedelta(days=6)),
            "days old",
        ),
        (lambda s: s.with_columns(setting=pl.lit("factors=8")), "setting"),
        (lambda s: s.head(s.height - 1), "have no factors"),
    ],
    ids=["none", "same day", "a week old", "another setting", "a new product"],
)
def test_anything_else_refits(today, stored, change, reason):
    factors, why = products.kept_factors(change(stored), today)
    assert factors is None
    assert why.startswith("refit") and reason in why


def test_a_new_setting_is_a_different_setting():
    other = dataclasses.replace(RECOMMEND, product_als=AlsParams(factors=8))
    assert products.factor_setting(other) != products.factor_setting()
    heavier_buys = dataclasses.replace(RECOMMEND, buy_weight=RECOMMEND.buy_weight + 1)
    assert products.factor_setting(heavier_buys) != products.factor_setting()


def test_the_warm_start_keeps_the_factors_and_solves_the_customers(today, stored):
    factors, _ = products.kept_factors(stored, today)
    warm = products.fit(today, item_factors=factors)
    np.testing.assert_array_equal(warm.model.als.item_factors, factors)
    # each customer's factors are the least-squares solve against the kept item factors, the
    # solve a fit ends with too (so a shard, solving its own customers, gets the same factors)
    full = products.fit(today)
    np.testing.assert_array_equal(warm.model.als.user_factors, full.model.als.user_factors)
    np.testing.assert_array_equal(products.ranked_lists(warm), products.ranked_lists(full))


def test_factors_of_the_wrong_shape_are_refused(today):
    with pytest.raises(ValueError, match="do not fit"):
        products.fit(today, item_factors=np.zeros((3, 2), dtype=np.float32))
