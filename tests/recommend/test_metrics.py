"""Ranking metrics on hand-worked lists, their agreement with implicit, and the blend's sources.

The hand-worked case pins the definitions (implicit's ideal DCG and AP divisor over
min(K, relevant)); the implicit comparison proves the numbers compare with published ones.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from implicit.evaluation import ranking_metrics_at_k

from wealthgraph.recommend.metrics import ranking_metrics
from wealthgraph.recommend.model import BlendWeights, SocialBlend

# implicit warns about OpenBLAS threads when ALS is built; SocialBlend.fit limits them itself
pytestmark = pytest.mark.filterwarnings("ignore:OpenBLAS is configured:RuntimeWarning")


def _csr(pairs: list[tuple[int, int]], shape: tuple[int, int]) -> sp.csr_matrix:
    rows, cols = zip(*pairs, strict=True)
    return sp.csr_matrix((np.ones(len(pairs), dtype=np.float32), (rows, cols)), shape=shape)


def test_ranking_metrics_hand_worked():
    # 8 items, K = 3. User 3 has no test items and is not counted. User 2's list is padded
    # with -1: row 2 * 8 items - 1 = 15 is user 1's key for item 7, which must not be a hit.
    test = _csr([(0, 1), (0, 3), (0, 6), (1, 7), (2, 0)], (4, 8))
    recommended = np.array([[1, 2, 3], [7, 0, 1], [4, 0, -1], [0, 1, 2]])
    popularity = np.array([0.5, 0.25, 0.125, 0.5, 0.25, 1.0, 1.0, 0.0625])
    got = ranking_metrics(recommended, test, np.arange(4), popularity, k=3)

    g1, g2, g3 = 1.0, 1 / np.log2(3), 1 / np.log2(4)  # gain at ranks 1, 2, 3
    # user 0: hits at ranks 1 and 3 of 3 relevant; user 1: hit at 1 of 1; user 2: hit at 2 of 1
    ndcg = [(g1 + g3) / (g1 + g2 + g3), g1 / g1, g2 / g1]
    ap = [(1 / 1 + 2 / 3) / 3, 1 / 1, (1 / 2) / 1]
    assert got["users"] == 3
    assert got["precision"] == pytest.approx((2 / 3 + 1 / 3 + 1 / 3) / 3)
    assert got["recall"] == pytest.approx((2 / 3 + 1 + 1) / 3)
    assert got["ndcg"] == pytest.approx(np.mean(ndcg))
    assert got["map"] == pytest.approx(np.mean(ap))
    assert got["coverage"] == pytest.approx(6 / 8)  # items 0, 1, 2, 3, 4, 7
    # -log2 share over the 8 items recommended to counted users: 2+3+1 + 4+1+2 + 2+1 bits
    assert got["novelty"] == pytest.approx(16 / 8)


def test_ranking_metrics_without_test_users():
    test = sp.csr_matrix((2, 4), dtype=np.float32)
    got = ranking_metrics(np.array([[0, 1], [2, 3]]), test, np.arange(2), np.ones(4), k=2)
    assert got == {"users": 0.0}


def planted(seed: int = 7, users: int = 300, items: int = 200, groups: int = 5):
    """Users in groups that favour their group's block of items, so ALS finds real hits."""
    rng = np.random.default_rng(seed)
    group = rng.integers(groups, size=users)
    block = np.arange(items) * groups // items
    prob = np.where(group[:, None] == block[None, :], 0.25, 0.02)
    counts = (rng.random((users, items)) < prob) * rng.integers(1, 30, size=(users, items))
    matrix = sp.csr_matrix(counts.astype(np.float32))
    held_out = rng.random(matrix.nnz) < 0.2
    coo = matrix.tocoo()

    def part(mask: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix((coo.data[mask], (coo.row[mask], coo.col[mask])), shape=coo.shape)

    return part(~held_out), part(held_out)


def test_ndcg_and_map_equal_implicit():
    train, test = planted()
    model = SocialBlend(BlendWeights(1, 0, 0, 0), factors=16, iterations=10).fit(train)
    users = np.arange(train.shape[0])
    ids, _ = model.recommend(users, 10)
    popularity = np.asarray((train > 0).mean(axis=0)).ravel()
    ours = ranking_metrics(ids, test, users, popularity, k=10)
    theirs = ranking_metrics_at_k(model.als, model.confidence, test, K=10, show_progress=False)
    # a planted signal, so the comparison runs over many hits at many ranks (145 here)
    assert ours["precision"] * ours["users"] * 10 > 100
    assert ours["ndcg"] == pytest.approx(theirs["ndcg"], rel=1e-9)
    assert ours["map"] == pytest.approx(theirs["map"], rel=1e-9)


def test_held_items_never_recommended():
    train, _ = planted(seed=3)
    model = SocialBlend().fit(train, ties=sp.random(300, 300, density=0.03, random_state=3))
    users = np.arange(train.shape[0])
    # the longest list every user can fill with items they do not hold
    n = int(train.shape[1] - np.diff(train.indptr).max())
    ids, scores = model.recommend(users, n)
    assert ids.shape == (len(users), n)
    assert not train[np.repeat(users, n), ids.ravel()].any()
    assert np.isfinite(scores).all()


def test_short_lists_hold_no_held_items():
    # user 0 holds 3 of 4 items; a list of 2 should not contain a held item
    model = SocialBlend(BlendWeights(0, 0, 0, 1)).fit(
        _csr([(0, 0), (0, 1), (0, 2), (1, 3)], (2, 4))
    )
    ids, _ = model.recommend(np.array([0]), 2)
    assert not {0, 1, 2} & set(ids[0].tolist())


def test_cold_start_gets_its_segments_popular_items():
    # segment 0 (30 users) holds items 0 and 1, segment 1 (20 users) items 2 and 3, and every
    # user two of items 4..11; user 50 is new, in segment 1. Bank-wide, items 0 and 1 lead.
    rng = np.random.default_rng(0)
    pairs = [(u, i) for u in range(30) for i in (0, 1)] + [
        (u, i) for u in range(30, 50) for i in (2, 3)
    ]
    pairs += [(u, int(i)) for u in range(50) for i in rng.choice(np.arange(4, 12), 2, False)]
    segments = np.array([0] * 30 + [1] * 21)
    model = SocialBlend().fit(_csr(pairs, (51, 12)), segments=segments)
    ids, scores = model.recommend(np.array([50]), 2)
    assert set(ids[0].tolist()) == {2, 3}
    assert (scores > 0).all()


def test_social_source_ranks_first_what_all_friends_hold():
    # user 0 holds item 0; friends 1, 2, 3 all hold item 1 and one other item each; strangers
    # 4..9 make item 4 the most popular, which social scores must ignore
    pairs = [(0, 0), (1, 1), (1, 5), (2, 1), (2, 2), (3, 1), (3, 3)]
    pairs += [(u, 4) for u in range(4, 10)]
    friends = _csr([(0, 1), (1, 0), (0, 2), (2, 0), (0, 3), (3, 0)], (10, 10))
    model = SocialBlend(BlendWeights(0, 1, 0, 0)).fit(_csr(pairs, (10, 6)), ties=friends)
    ids, scores = model.recommend(np.array([0]), 3)
    assert ids[0, 0] == 1
    assert scores[0, 0] == pytest.approx(1.0)  # scaled to [0, 1] by the user's best item
    assert scores[0, 0] > scores[0, 1]
