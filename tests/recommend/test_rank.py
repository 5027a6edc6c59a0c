"""The learned second stage on small planted data: candidates, features, training, ranking."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tests.recommend.test_harness import planted_frames
from wealthgraph.recommend import harness, rank
from wealthgraph.recommend.metrics import ranking_metrics
from wealthgraph.recommend.model import top_n

pytestmark = pytest.mark.filterwarnings("ignore:OpenBLAS is configured:RuntimeWarning")

SMALL_ALS = harness.AlsParams(factors=8, iterations=5)


@pytest.fixture(scope="module")
def planted() -> harness.Dataset:
    interactions, ties = planted_frames(users=200, items=80)
    return harness.Dataset.from_frames("planted", interactions, ties)


@pytest.fixture(scope="module")
def sources(planted: harness.Dataset) -> harness.Sources:
    return harness.Sources(planted, SMALL_ALS, seed=0)


def test_candidates_exclude_held_and_hold_every_top(sources: harness.Sources):
    users = np.arange(sources.held.shape[0])
    c = 5
    cands = rank.candidate_features(sources, users, c)
    frame = cands.frame
    held = sources.held
    assert not np.asarray(held[frame["user"].to_numpy(), frame["item"].to_numpy()]).any()
    chosen = sp.csr_matrix(
        (np.ones(frame.height), (frame["user"].to_numpy(), frame["item"].to_numpy())),
        shape=held.shape,
    )
    assert chosen.max() == 1  # one row per (user, candidate)
    names = rank.source_names(sources)
    assert {"als", "social", "coholding", "popularity", rank.TWO_HOP} <= set(names)
    reach = rank.two_hop_ties(sources.views[""])
    for name in names:
        raw = (reach @ held).toarray() if name == rank.TWO_HOP else sources.raw(name, users)
        raw = raw.astype(np.float32)
        raw[raw <= 0] = -np.inf
        raw[held.nonzero()] = -np.inf
        ids, values = top_n(raw, c)
        rows = np.repeat(users, c)[np.isfinite(values).ravel()]
        items = ids.ravel()[np.isfinite(values).ravel()]
        assert np.asarray(chosen[rows, items]).all(), name


def test_features_complete(sources: harness.Sources):
    users = np.arange(0, sources.held.shape[0], 3)
    cands = rank.candidate_features(sources, users, 10, {"als": 1.0, "social": 0.5})
    x = cands.matrix()
    assert x.shape == (cands.frame.height, len(cands.features))
    assert np.isfinite(x).all()
    assert cands.frame.select("user", "item").is_duplicated().sum() == 0
    assert set(cands.frame["user"].unique()) <= set(users)
    for name in ("als", "als_rank", "friends_holding", "item_log_pop", "blend", "n_sources"):
        assert name in cands.features
    # the blend feature is the weighted sum of the scaled scores
    blend = cands.frame["als"] + 0.5 * cands.frame["social"]
    assert np.allclose(cands.frame["blend"].to_numpy(), blend.to_numpy(), atol=1e-6)


def test_trained_on_validation_labels_only(planted: harness.Dataset):
    train, test = harness.split(planted, "random", 0.2, seed=3)
    inner, valid = harness.split(train, "random", 0.2, seed=4)
    inner_sources = harness.Sources(inner, SMALL_ALS, seed=0)
    cands = rank.candidate_features(inner_sources, np.flatnonzero(np.diff(valid.indptr)), 20)
    labels = cands.labels(valid)
    pairs = cands.frame.filter(labels == 1).select("user", "item").rows()
    # every positive label is a validation pair, and no test pair is ever a candidate of the
    # validation users that could leak: test items are neither labels nor in the fit data
    valid_pairs = set(zip(*valid.nonzero(), strict=True))
    test_pairs = set(zip(*test.nonzero(), strict=True))
    assert pairs and set(pairs) <= valid_pairs
    assert not set(pairs) & test_pairs
    assert inner.interactions.multiply(test).nnz == 0  # sources never saw a test item
    ranker = rank.train_ranker(inner_sources, valid, 20, seed=0, trees=20)
    assert ranker.info["positives"] == len(pairs)
    assert 0 < ranker.info["valid_recall"] <= 1


def test_ranker_learns_a_planted_feature():
    """Relevance is set by one feature (friends of friends' items) no blend source ranks by:
    the ranker must beat every single source on held-out users."""
    rng = np.random.default_rng(1)
    users, items = 300, 60
    held = (rng.random((users, items)) < 0.1).astype(np.float32)
    ties = (rng.random((users, users)) < 0.02).astype(np.float32)
    ds = harness.Dataset("planted", sp.csr_matrix(held), sp.csr_matrix(ties))
    sources = harness.Sources(ds, SMALL_ALS, seed=0)
    two_hop = (rank.two_hop_ties(sources.views[""]) @ sources.held).toarray()
    two_hop[held > 0] = 0
    truth = sp.csr_matrix((two_hop >= np.quantile(two_hop[two_hop > 0], 0.9)).astype(np.float32))
    half = np.zeros(users, dtype=bool)
    half[rng.permutation(users)[: users // 2]] = True
    train_truth = sp.csr_matrix(truth.multiply(half[:, None]))
    test_truth = sp.csr_matrix(truth.multiply(~half[:, None]))
    ranker = rank.train_ranker(sources, train_truth, 30, seed=0, trees=60)
    test_users = np.flatnonzero(~half & (np.diff(test_truth.indptr) > 0))
    cands = rank.candidate_features(sources, test_users, 30)
    shares = np.ones(items)
    rows = np.arange(len(test_users))
    ours = ranking_metrics(ranker.recommend(cands, 10), test_truth[test_users], rows, shares)
    for name in rank.source_names(sources):
        if name == rank.TWO_HOP:
            continue  # the planted feature's own source
        ids = sources.recommend({name: {name: 1.0}}, test_users, 10)[name]
        theirs = ranking_metrics(ids, test_truth[test_users], rows, shares)
        assert ours["ndcg"] > theirs["ndcg"], name
    assert ours["ndcg"] > 0.5


def test_run_seed_with_ranker(planted: harness.Dataset):
    small = {"als": (1.0,), "social": (0.0, 0.5), "coholding": (0.0,), "popularity": (0.0,)}
    result = harness.run_seed(
        planted, seed=42, k=5, trials=2, grid=small, ranker=True, candidates=20
    )
    assert "ranker" in result.main["model"].to_list()
    assert result.ranker["versus"].to_list() == ["blend", harness.REFERENCE]
    assert 0 < result.ranker_info["test_recall"] <= 1
    assert result.ranker_importances.height == len(result.ranker_importances["feature"].unique())
    mean = harness.mean_table([result, result], "ranker", key="versus")
    assert mean.height == 2
