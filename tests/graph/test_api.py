"""to_networkx hands analysts the edge frame as a weighted undirected networkx graph."""

from __future__ import annotations

import networkx as nx
import polars as pl
import pytest

from wealthgraph.graph import to_networkx

EDGES = pl.DataFrame(
    {
        "src_id": ["a", "a", "b", "c", "a"],
        "dst_id": ["b", "c", "c", "d", "m"],
        "edge_kind": ["customer", "customer", "customer", "customer", "manager"],
        "is_friend": [True, True, False, True, False],
        "tie_strength": [2.5, 1.0, 0.5, 3.0, 1.5],
    }
)


def _back_to_frame(G: nx.Graph, attrs: tuple[str, ...]) -> pl.DataFrame:
    rows = [
        (*sorted((u, v)), d.get("weight"), *(d[a] for a in attrs)) for u, v, d in G.edges(data=True)
    ]
    return pl.DataFrame(
        rows, schema=["src_id", "dst_id", "tie_strength", *attrs], orient="row"
    ).sort("src_id", "dst_id")


def test_round_trip_keeps_nodes_edges_weights_and_attributes():
    attrs = ("edge_kind", "is_friend")
    G = to_networkx(EDGES, attrs=attrs, weight="tie_strength")
    assert isinstance(G, nx.Graph) and not G.is_directed()
    assert set(G.nodes) == {"a", "b", "c", "d", "m"}
    assert G.number_of_edges() == EDGES.height
    assert G["c"]["a"] == {"weight": 1.0, "edge_kind": "customer", "is_friend": True}
    back = _back_to_frame(G, attrs)
    assert back.equals(EDGES.select(back.columns).sort("src_id", "dst_id"))
    assert G.degree("a", weight="weight") == pytest.approx(5.0)
    assert set(nx.ego_graph(G, "d", radius=2)) == {"a", "b", "c", "d"}


def test_weight_only_and_unweighted():
    frame = EDGES.rename({"tie_strength": "weight"})
    weighted = to_networkx(frame)
    assert dict(weighted["a"]) == {"b": {"weight": 2.5}, "c": {"weight": 1.0}, "m": {"weight": 1.5}}
    plain = to_networkx(frame, weight=None)
    assert plain["a"]["b"] == {}
    assert sorted(plain.edges) == sorted(weighted.edges)


def test_missing_weight_column_is_a_clear_error():
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        to_networkx(EDGES)
