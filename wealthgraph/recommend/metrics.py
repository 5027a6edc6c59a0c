"""Ranking metrics at K over top-K lists, with implicit's definitions of nDCG and MAP.

nDCG and MAP follow ``implicit.evaluation.ranking_metrics_at_k`` (ideal DCG and the AP divisor
over min(K, relevant items)) so numbers compare with implicit's; precision is hits / K and
recall hits / relevant, as in the literature. Users without test items are not counted.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def ranking_metrics(
    recommended: np.ndarray,
    test: sp.csr_matrix,
    users: np.ndarray,
    item_popularity: np.ndarray,
    k: int = 10,
) -> dict[str, float]:
    """Precision, recall, nDCG, MAP at ``k``, catalog coverage and novelty.

    ``recommended[j]`` holds the item ids recommended to ``users[j]``, best first (-1 pads);
    ``test`` is user x item with the held-out items; ``item_popularity`` is each item's share of
    training users (novelty is the mean of -log2 of it over recommended items, higher = less
    obvious). Coverage is the share of the catalog recommended to the evaluated users.
    """
    test = sp.csr_matrix(test)
    test.sum_duplicates()
    test.eliminate_zeros()
    recommended = recommended[:, :k]
    relevant_counts = np.diff(test.indptr)[users]
    keep = relevant_counts > 0
    recs, counts, rows = recommended[keep], relevant_counts[keep], users[keep]
    n_items = test.shape[1]
    if len(rows) == 0:
        return {"users": 0.0}
    held_out = test.nonzero()
    keys = held_out[0].astype(np.int64) * n_items + held_out[1]
    hits = np.isin(rows[:, None].astype(np.int64) * n_items + recs, keys) & (recs >= 0)
    gains = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(gains)[np.minimum(counts, k) - 1]
    cumulative_hits = np.cumsum(hits, axis=1)
    precision_at_rank = cumulative_hits / np.arange(1, k + 1)
    valid = recs[recs >= 0]
    popularity = np.clip(item_popularity[valid], 1e-12, None)
    return {
        "users": float(len(rows)),
        "precision": float(hits.sum(axis=1).mean() / k),
        "recall": float((hits.sum(axis=1) / counts).mean()),
        "ndcg": float(((hits * gains).sum(axis=1) / ideal).mean()),
        "map": float(((precision_at_rank * hits).sum(axis=1) / np.minimum(counts, k)).mean()),
        "coverage": float(len(np.unique(recs[recs >= 0])) / n_items),
        "novelty": float(np.mean(-np.log2(popularity))) if len(valid) else 0.0,
    }


def per_user_metrics(
    recommended: np.ndarray, test: sp.csr_matrix, users: np.ndarray, k: int = 10
) -> dict[str, np.ndarray]:
    """Per-user precision, recall, nDCG and AP at ``k``, for paired comparisons of models.

    Same definitions and same counted users as :func:`ranking_metrics` (users without test
    items are left out): the means of these arrays are its precision, recall, ndcg and map.
    ``users`` in the result are the counted users, in the order given.
    """
    test = sp.csr_matrix(test)
    test.sum_duplicates()
    test.eliminate_zeros()
    recommended = recommended[:, :k]
    relevant_counts = np.diff(test.indptr)[users]
    keep = relevant_counts > 0
    recs, counts, rows = recommended[keep], relevant_counts[keep], users[keep]
    n_items = test.shape[1]
    held_out = test.nonzero()
    keys = held_out[0].astype(np.int64) * n_items + held_out[1]
    hits = np.isin(rows[:, None].astype(np.int64) * n_items + recs, keys) & (recs >= 0)
    width = hits.shape[1]
    gains = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.cumsum(gains)[np.minimum(counts, k) - 1]
    precision_at_rank = np.cumsum(hits, axis=1) / np.arange(1, width + 1)
    return {
        "users": rows,
        "precision": hits.sum(axis=1) / k,
        "recall": hits.sum(axis=1) / counts,
        "ndcg": (hits * gains[:width]).sum(axis=1) / ideal,
        "map": (precision_at_rank * hits).sum(axis=1) / np.minimum(counts, k),
    }


def catalog_coverage(recommended: np.ndarray, n_items: int, k: int = 10) -> float:
    """Share of the ``n_items`` catalog that appears in at least one top-``k`` list."""
    recs = recommended[:, :k]
    return float(len(np.unique(recs[recs >= 0])) / max(n_items, 1))
