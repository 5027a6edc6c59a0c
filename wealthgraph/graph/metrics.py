"""Per-node graph metrics on the fast path: scipy for PageRank, igraph for the rest."""

from __future__ import annotations

import igraph as ig
import numpy as np
import polars as pl

from wealthgraph.config import GRAPH
from wealthgraph.graph.communities import find_communities, to_igraph
from wealthgraph.graph.edgelist import index_edges
from wealthgraph.graph.pagerank import pagerank

METRIC_SCHEMA = {
    "degree": pl.Int64,
    "weighted_degree": pl.Float64,
    "pagerank": pl.Float64,
    "pagerank_rank": pl.Int64,
    "community_id": pl.Int64,
    "clustering": pl.Float64,
}


def node_metrics(
    edges: pl.DataFrame, seed: int = 42, resolution: float = 1.0, method: str | None = None
) -> pl.DataFrame:
    """One row per node of the undirected weighted graph ``edges``, sorted by ``node_id``.

    ``edges`` has ``src_id``, ``dst_id`` and ``weight`` (> 0). Self-loops are dropped and
    repeated pairs, in either orientation, are merged by summing their weight. Columns:

    - ``degree``, ``weighted_degree``: number of neighbours and the sum of their weights.
    - ``pagerank``: weighted, damping 0.85, sums to 1; the fixed point of
      ``networkx.pagerank(G, weight="weight")`` to ~1e-9 L1 (see
      :func:`~wealthgraph.graph.pagerank.pagerank` on networkx's looser default stop).
    - ``pagerank_rank``: 1 = highest PageRank, ties by node id.
    - ``community_id``: weighted modularity communities at ``resolution``, seeded by ``seed``,
      by ``method``: ``"leiden"`` (igraph ``community_leiden``) or ``"louvain"`` (igraph
      ``community_multilevel``); ``None`` takes ``GRAPH.community_method`` (Leiden). 0 is the
      largest community, ties by smallest node id.
    - ``clustering``: unweighted local clustering coefficient, 0 below degree 2 (as
      ``networkx.clustering``).

    Examples
    --------
    >>> e = pl.DataFrame({"src_id": ["a", "a", "b"], "dst_id": ["b", "c", "c"],
    ...                   "weight": [1.0, 2.0, 1.0]})
    >>> node_metrics(e).select("node_id", "degree", "community_id", "clustering").rows()
    [('a', 2, 0, 1.0), ('b', 2, 0, 1.0), ('c', 2, 0, 1.0)]
    """
    graph = index_edges(edges)
    if graph.n == 0:
        return pl.DataFrame(schema={"node_id": edges.schema["src_id"], **METRIC_SCHEMA})
    pr = pagerank(graph)
    g = to_igraph(graph)
    communities = find_communities(
        g,
        graph.weight,
        method=method or GRAPH.community_method,
        seed=seed,
        resolution=resolution,
    )
    clustering = _clustering(g, graph.degree())
    del g
    rank = np.empty(graph.n, dtype=np.int64)
    rank[np.lexsort((np.arange(graph.n), -pr))] = np.arange(1, graph.n + 1)
    return pl.DataFrame(
        {
            "node_id": graph.nodes,
            "degree": graph.degree(),
            "weighted_degree": graph.strength(),
            "pagerank": pr,
            "pagerank_rank": rank,
            "community_id": communities,
            "clustering": clustering,
        },
        schema_overrides=METRIC_SCHEMA,
    )


def _clustering(g: ig.Graph, degree: np.ndarray) -> np.ndarray:
    """Local clustering, bit-identical to ``networkx.clustering``: igraph's ratio is turned
    back into a triangle count and divided the way networkx divides."""
    ratio = np.asarray(g.transitivity_local_undirected(mode="zero"), dtype=np.float64)
    pairs = degree * (degree - 1.0)
    twice_triangles = np.rint(ratio * pairs)
    return np.divide(twice_triangles, pairs, out=np.zeros(len(degree)), where=twice_triangles > 0)


def influence_percentile(metrics: pl.DataFrame, customers: pl.Series) -> pl.Series:
    """Per node, 1 - the percent rank of its PageRank among every customer (customers without
    a tie rank lowest, nodes that are not customers get null): the figure
    ``1 - percent_rank() over (order by pagerank nulls first)`` over all customers gives.

    It is computed here, with the whole graph, so that a table built on a customer shard reads
    the bank-wide figure rather than one ranked among the shard's customers.
    """
    n = customers.len()
    known = metrics["node_id"].is_in(customers.implode())
    ranked = metrics.select(
        pl.when(known).then(pl.col("pagerank")).rank("min").alias("rank")
    ).to_series()
    untied = n - int(known.sum())  # customers with no tie share the lowest rank
    percent = (untied + ranked - 1) / (n - 1) if n > 1 else ranked * 0.0
    return (1 - percent).alias("influence_percentile")
