"""Turn an edge frame into integer arrays every fast path shares: canonical, unique, loop-free."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

EDGE_COLUMNS = ("src_id", "dst_id", "weight")


@dataclass(frozen=True)
class IndexedEdges:
    """An undirected weighted graph on nodes ``0..n-1``.

    ``nodes`` holds the original ids sorted ascending, so node ``i`` is ``nodes[i]`` and integer
    order is id order. ``lo < hi`` per edge, one row per pair, sorted by ``(lo, hi)``.
    """

    nodes: pl.Series
    lo: np.ndarray
    hi: np.ndarray
    weight: np.ndarray

    @property
    def n(self) -> int:
        return len(self.nodes)

    def degree(self) -> np.ndarray:
        return np.bincount(self.lo, minlength=self.n) + np.bincount(self.hi, minlength=self.n)

    def strength(self) -> np.ndarray:
        return np.bincount(self.lo, self.weight, self.n) + np.bincount(self.hi, self.weight, self.n)


def index_edges(edges: pl.DataFrame, extra_nodes: pl.Series | None = None) -> IndexedEdges:
    """Index an undirected edge frame with columns ``src_id``, ``dst_id``, ``weight``.

    Self-loops are dropped (their endpoints still become nodes), ``(a, b)`` and ``(b, a)`` are
    one pair, and repeated pairs are merged by summing their weights. ``extra_nodes`` adds nodes
    that may have no edge.

    Examples
    --------
    >>> e = pl.DataFrame({"src_id": ["b", "a"], "dst_id": ["a", "b"], "weight": [1.0, 2.0]})
    >>> index_edges(e).weight.tolist()
    [3.0]
    """
    missing = [c for c in EDGE_COLUMNS if c not in edges.columns]
    if missing:
        raise ValueError(f"edge frame lacks column(s) {missing}; it has {edges.columns}")
    e = edges.select(
        src=pl.col("src_id"),
        dst=pl.col("dst_id").cast(edges.schema["src_id"]),
        w=pl.col("weight").cast(pl.Float64),
    )
    bad = e.select(
        ids=pl.col("src").is_null().sum() + pl.col("dst").is_null().sum(),
        w=(pl.col("w").is_null() | ~pl.col("w").is_finite() | (pl.col("w") < 0)).sum(),
    ).row(0)
    if bad[0] or bad[1]:
        raise ValueError(
            f"edge frame: {bad[0]} null id(s), {bad[1]} null, non-finite or negative weight(s)"
        )

    ids = [e["src"], e["dst"]]
    if extra_nodes is not None:
        ids.append(extra_nodes.drop_nulls().cast(e.schema["src"]))
    nodes = pl.concat(ids).unique().sort().rename("node_id")
    # int32 positions halve the index memory of every sparse matrix and graph built on them.
    idx = pl.int_range(len(nodes), dtype=pl.Int32, eager=True)
    lookup = pl.DataFrame({"id": nodes, "idx": idx})

    pairs = (
        e.lazy()
        .join(lookup.lazy().rename({"id": "src", "idx": "a"}), on="src")
        .join(lookup.lazy().rename({"id": "dst", "idx": "b"}), on="dst")
        .filter(pl.col("a") != pl.col("b"))
        .select(
            lo=pl.min_horizontal("a", "b"),
            hi=pl.max_horizontal("a", "b"),
            w=pl.col("w"),
        )
        .group_by("lo", "hi")
        .agg(pl.col("w").sum())
        .sort("lo", "hi")
        .collect()
    )
    return IndexedEdges(
        nodes=nodes,
        lo=pairs["lo"].to_numpy(),
        hi=pairs["hi"].to_numpy(),
        weight=pairs["w"].to_numpy(),
    )
