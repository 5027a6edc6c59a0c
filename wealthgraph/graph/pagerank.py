"""Weighted PageRank of an undirected graph by sparse power iteration (networkx's definition)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from wealthgraph.graph.edgelist import IndexedEdges


def pagerank(
    graph: IndexedEdges, alpha: float = 0.85, tol: float = 1e-10, max_iter: int = 1000
) -> np.ndarray:
    """PageRank with uniform teleport and dangling mass spread uniformly, summing to 1.

    The fixed point is that of ``networkx.pagerank(G, alpha, weight="weight")``: each undirected
    edge is two arcs, a node leaves along its edges in proportion to weight, and a node without
    weight (isolated) jumps uniformly. Unlike networkx, which stops once the L1 change is below
    ``n * 1e-6`` (loose on large graphs: ~4e-3 L1 short of the fixed point on Last.fm's 1,892
    nodes), this stops when the L1 change falls below ``tol``, so the L1 error is at most
    ``tol * alpha / (1 - alpha)``.

    Examples
    --------
    >>> import polars as pl
    >>> from wealthgraph.graph.edgelist import index_edges
    >>> e = pl.DataFrame({"src_id": ["a", "b"], "dst_id": ["b", "c"], "weight": [1.0, 1.0]})
    >>> pagerank(index_edges(e)).round(4).tolist()
    [0.2568, 0.4865, 0.2568]
    """
    n = graph.n
    if n == 0:
        return np.zeros(0)
    # The graph is symmetric, so P^T x = A (x / strength): one matrix, no transpose to keep.
    a = sp.coo_matrix(
        (
            np.concatenate([graph.weight, graph.weight]),
            (np.concatenate([graph.lo, graph.hi]), np.concatenate([graph.hi, graph.lo])),
        ),
        shape=(n, n),
    ).tocsr()
    strength = graph.strength()
    dangling = strength == 0
    inv = np.divide(1.0, strength, out=np.zeros(n), where=~dangling)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = alpha * (a @ (x * inv) + x[dangling].sum() / n) + (1.0 - alpha) / n
        if np.abs(x - last).sum() < tol:
            return x / x.sum()
    raise RuntimeError(f"pagerank did not reach L1 change < {tol} in {max_iter} iterations")
