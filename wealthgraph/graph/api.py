"""networkx for analysts: ego graphs and ad-hoc algorithms on an edge frame."""

from __future__ import annotations

import networkx as nx
import polars as pl


def to_networkx(
    edges: pl.DataFrame, attrs: tuple[str, ...] = (), weight: str | None = "weight"
) -> nx.Graph:
    """An undirected ``nx.Graph`` with one edge per row of ``edges`` (``src_id``, ``dst_id``).

    The ``weight`` column becomes the ``weight`` edge attribute (``None``: no weight; pass
    ``weight="tie_strength"`` for ``graph.edges``), and each column named in ``attrs`` an edge
    attribute of the same name. Rows are handed to networkx in bulk; networkx's own per-edge
    work (~5 µs an edge) remains, so filter to the neighbourhood you need before converting
    a million edges. As in networkx, a repeated pair keeps its last row and self-loops stay.

    Examples
    --------
    >>> e = pl.DataFrame({"src_id": ["a"], "dst_id": ["b"], "weight": [2.0], "is_friend": [True]})
    >>> G = to_networkx(e, attrs=("is_friend",))
    >>> G.edges["b", "a"]
    {'weight': 2.0, 'is_friend': True}
    >>> nx.ego_graph(G, "a").number_of_nodes()
    2
    """
    columns = ([] if weight is None else [pl.col(weight).alias("weight")]) + [
        pl.col(a) for a in attrs
    ]
    G = nx.Graph()
    src, dst = edges["src_id"].to_list(), edges["dst_id"].to_list()
    if not columns:
        G.add_edges_from(zip(src, dst, strict=True))
    elif len(columns) == 1 and weight is not None:
        G.add_weighted_edges_from(zip(src, dst, edges[weight].to_list(), strict=True))
    else:
        G.add_edges_from(zip(src, dst, edges.select(columns).to_dicts(), strict=True))
    return G
