"""Agreement between two partitions, for checking community detection against a known truth."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import comb


def adjusted_rand_index(a: Sequence | np.ndarray, b: Sequence | np.ndarray) -> float:
    """Adjusted Rand index of two labelings of the same items (1 = same partition, ~0 = chance).

    Hubert & Arabie (1985), the same value as ``sklearn.metrics.adjusted_rand_score``.

    Examples
    --------
    >>> adjusted_rand_index([0, 0, 1, 1], [5, 5, 2, 2])
    1.0
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"labelings differ in length: {a.shape} vs {b.shape}")
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    # Pair counts from the contingency table, without materialising it densely.
    cells = np.unique(ai.astype(np.int64) * (bi.max(initial=0) + 1) + bi, return_counts=True)[1]
    pairs = comb(cells, 2).sum()
    pairs_a = comb(np.bincount(ai), 2).sum()
    pairs_b = comb(np.bincount(bi), 2).sum()
    expected = pairs_a * pairs_b / comb(len(a), 2) if len(a) > 1 else 0.0
    best = (pairs_a + pairs_b) / 2
    if best == expected:  # both trivial (all-in-one or all-singletons): identical by convention
        return 1.0
    return float((pairs - expected) / (best - expected))
