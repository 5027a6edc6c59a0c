"""Tuning the bank's recommenders: the validation window stays before every test window, the
lists tuned on are production's own, and a search never ends worse than the setting in force."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from wealthgraph.config import RECOMMEND, AlsParams
from wealthgraph.recommend import bank_tuning, products
from wealthgraph.recommend import evaluate as ev
from wealthgraph.recommend.model import BlendWeights, SocialBlend
from wealthgraph.recommend.tune import fit_als
from wealthgraph.warehouse import latest_day


def test_validation_labels_end_where_the_earliest_test_window_begins():
    as_of = dt.date(2026, 11, 30)
    cutoff = bank_tuning.validation_cutoff(as_of)
    earliest_test_cutoff = min(ev.cutoffs(as_of, dt.date(2026, 1, 1)))
    assert ev.window_end(cutoff, as_of) == earliest_test_cutoff


def test_ranked_lists_are_the_lists_recommend_writes(con):
    fitted = products.fit(products.load_inputs(con, latest_day(con)))
    lists = products.ranked_lists(fitted)
    written = ev._lists(
        products.recommend(fitted),
        fitted.customers,
        fitted.products.rename({"product_id": "item_id"}),
        RECOMMEND.top_n_product,
    )
    assert (lists >= 0).sum() > 1000
    np.testing.assert_array_equal(lists, written)


def test_the_blend_fits_its_als_with_the_given_setting():
    rng = np.random.default_rng(3)
    train = sp.random(60, 25, density=0.2, format="csr", random_state=rng, dtype=np.float32)
    train.data = np.ceil(train.data * 5)
    params = AlsParams(factors=8, iterations=4, regularization=0.1, weighting="binary")
    blend = SocialBlend(BlendWeights(1, 0, 0, 0), als=params, random_state=3).fit(train)
    np.testing.assert_array_equal(blend.als.item_factors, fit_als(train, params, 3).item_factors)
    assert (blend.confidence.data == 1).all()
    # the held pattern does not depend on the weighting
    assert (blend.held != (train > 0)).nnz == 0


def test_searches_never_end_below_the_setting_in_force(con):
    as_of = latest_day(con)
    # the sample's own last day as "the replay": the code path, not a measurement
    labels = ev.held_out_pairs(con, as_of - dt.timedelta(days=10), as_of)
    config = dataclasses.replace(RECOMMEND, product_als=AlsParams(factors=16, iterations=5))
    product_als, weights, cap, rows = bank_tuning.tune_products(
        con, labels["product"], as_of, trials=3, seed=1, config=config
    )
    topic_als, topic_rows = bank_tuning.tune_topics(
        con, labels["topic_any"], as_of, trials=3, seed=1, config=config
    )
    scores = pl.DataFrame(rows + topic_rows)
    # the "in force" row is the setting in force, scored as the search scores it
    fitted = products.fit(products.load_inputs(con, as_of), config)
    held_out = ev._test_matrix(
        labels["product"], fitted.customers, fitted.products.rename({"product_id": "item_id"})
    )
    in_force = SocialBlend(BlendWeights(1, 0, 0, 0), als=config.product_als, random_state=1)
    expected = bank_tuning._ndcg(
        ev._eligible_top(in_force.fit(fitted.user_items), fitted, config.top_n_product),
        held_out,
        config.top_n_product,
    )
    assert expected > 0
    assert scores["val_ndcg"][0] == pytest.approx(expected)
    for search in ("product ALS", "product blend", "topic ALS"):
        part = scores.filter(pl.col("search") == search)
        before = part.filter(pl.col("setting").str.starts_with("in force"))["val_ndcg"][0]
        after = part.filter(pl.col("setting").str.starts_with("tuned"))["val_ndcg"][0]
        assert after >= before - 1e-12, search
    # the blend is adopted only where it beats the tuned ALS alone through the same lists
    blend = scores.filter(pl.col("search") == "product blend")
    alone = blend.filter(pl.col("setting").str.contains("ALS alone"))["val_ndcg"][0]
    assert blend.filter(pl.col("setting").str.starts_with("tuned"))["val_ndcg"][0] >= alone
    assert weights.als == 1.0
    assert 1 <= cap <= config.top_n_product
    tuned = bank_tuning.Tuned(as_of, product_als, weights, cap, topic_als, scores)
    # the printed lines are valid Python for the config
    for line in tuned.config_lines().splitlines():
        ast.parse(line.strip())
