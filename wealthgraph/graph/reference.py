"""The slow, obviously-right baseline: :func:`node_metrics` columns computed with networkx only."""

from __future__ import annotations

import networkx as nx
import numpy as np
import polars as pl

from wealthgraph.graph.communities import relabel
from wealthgraph.graph.metrics import METRIC_SCHEMA


def networkx_metrics(
    G: nx.Graph,
    seed: int = 42,
    resolution: float = 1.0,
    pagerank_tol: float = 1e-13,
) -> pl.DataFrame:
    """The columns of :func:`~wealthgraph.graph.node_metrics` for an undirected ``nx.Graph``.

    Self-loops are ignored and a missing ``weight`` attribute counts as 1, as networkx does.
    ``pagerank_tol`` is networkx's per-node tolerance (it stops when the L1 change is below
    ``n * tol``); the default makes the result the fixed point to well under 1e-6 L1, which
    networkx's own default of 1e-6 does not on graphs beyond a few hundred nodes.
    Communities come from ``nx.community.louvain_communities(seed=seed)``.

    Examples
    --------
    >>> networkx_metrics(nx.path_graph(["a", "b", "c"]))["degree"].to_list()
    [1, 2, 1]
    """
    if G.is_directed() or G.is_multigraph():
        raise TypeError("networkx_metrics wants an undirected simple nx.Graph")
    if nx.number_of_selfloops(G):
        G = G.copy()
        G.remove_edges_from(list(nx.selfloop_edges(G)))
    nodes = pl.Series("node_id", list(G.nodes)).sort()
    if len(nodes) == 0:
        return pl.DataFrame(schema={"node_id": nodes.dtype, **METRIC_SCHEMA})
    order = nodes.to_list()
    pr = nx.pagerank(G, weight="weight", tol=pagerank_tol, max_iter=10_000)
    clustering = nx.clustering(G)
    found = nx.community.louvain_communities(G, weight="weight", resolution=resolution, seed=seed)
    label = {v: c for c, members in enumerate(found) for v in members}
    pagerank = np.array([pr[v] for v in order])
    rank = np.empty(len(order), dtype=np.int64)
    rank[np.lexsort((np.arange(len(order)), -pagerank))] = np.arange(1, len(order) + 1)
    return pl.DataFrame(
        {
            "node_id": nodes,
            "degree": [G.degree(v) for v in order],
            "weighted_degree": [float(G.degree(v, weight="weight")) for v in order],
            "pagerank": pagerank,
            "pagerank_rank": rank,
            "community_id": relabel(np.array([label[v] for v in order])),
            "clustering": [float(clustering[v]) for v in order],
        },
        schema_overrides=METRIC_SCHEMA,
    )
