"""The fast path (scipy + igraph) agrees with networkx, recovers planted communities, and is
deterministic; checked on a planted partition and on the real Last.fm friend graph."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from wealthgraph.graph import adjusted_rand_index, modularity, networkx_metrics, node_metrics

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
LASTFM = DATASETS / "lastfm_hetrec2011" / "user_friends.dat"
GROUPS, SIZE = 6, 50


def _name(v: int) -> str:
    return f"n{v:04d}"


@pytest.fixture(scope="module")
def planted() -> tuple[nx.Graph, pl.DataFrame]:
    """Six planted groups of 50, dense inside, sparse across; random weights; string ids."""
    G = nx.planted_partition_graph(GROUPS, SIZE, 0.3, 0.01, seed=7)
    G = nx.relabel_nodes(G, _name)
    rng = np.random.default_rng(7)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = float(rng.uniform(0.2, 3.0))
    edges = pl.DataFrame(
        [(u, v, d["weight"]) for u, v, d in G.edges(data=True)],
        schema=["src_id", "dst_id", "weight"],
        orient="row",
    )
    return G, edges


def _assert_same_metrics(fast: pl.DataFrame, ref: pl.DataFrame) -> None:
    assert fast["node_id"].to_list() == ref["node_id"].to_list()
    l1 = (fast["pagerank"] - ref["pagerank"]).abs().sum()
    assert l1 < 1e-6, f"PageRank L1 difference {l1:.2e}"
    assert fast["pagerank"].sum() == pytest.approx(1.0, abs=1e-12)
    assert fast["degree"].to_list() == ref["degree"].to_list()
    assert fast["clustering"].to_list() == ref["clustering"].to_list()
    np.testing.assert_allclose(fast["weighted_degree"], ref["weighted_degree"], rtol=1e-12)


def test_fast_path_equals_networkx(planted):
    G, edges = planted
    fast = node_metrics(edges)
    _assert_same_metrics(fast, networkx_metrics(G))
    # Ranks follow PageRank: rank 1 holds the largest value, and ranks are 1..n.
    assert fast.sort("pagerank_rank")["pagerank"].is_sorted(descending=True)
    assert sorted(fast["pagerank_rank"]) == list(range(1, fast.height + 1))


def test_pagerank_spreads_isolated_nodes_mass_like_networkx(planted):
    G, edges = planted
    # A node known only through a self-loop stays as an isolated (dangling) node.
    with_loop = pl.concat(
        [edges, pl.DataFrame({"src_id": ["z"], "dst_id": ["z"], "weight": [1.0]})]
    )
    H = G.copy()
    H.add_node("z")
    fast = node_metrics(with_loop)
    _assert_same_metrics(fast, networkx_metrics(H))
    assert fast.filter(pl.col("node_id") == "z").row(0, named=True)["degree"] == 0


def test_communities_match_networkx_louvain_and_the_planted_partition(planted):
    G, edges = planted
    fast = node_metrics(edges)
    nx_louvain = nx.community.louvain_communities(G, weight="weight", seed=42)
    q_fast = modularity(edges, fast)
    q_nx = modularity(edges, nx_louvain)
    assert q_nx == pytest.approx(nx.community.modularity(G, nx_louvain, weight="weight"))
    assert q_fast > 0.3
    assert q_fast >= 0.95 * q_nx, f"modularity fast {q_fast:.4f} vs networkx {q_nx:.4f}"
    truth = [int(v[1:]) // SIZE for v in fast["node_id"]]
    ari = adjusted_rand_index(truth, fast["community_id"].to_numpy())
    assert ari > 0.9, f"adjusted Rand index {ari:.3f} against the planted partition"


def test_same_seed_gives_identical_communities(planted):
    _, edges = planted
    first = node_metrics(edges, seed=3)
    again = node_metrics(edges.sample(fraction=1.0, shuffle=True, seed=1), seed=3)
    assert_frame_equal(first, again)
    sizes = first.group_by("community_id").len().sort("community_id")["len"]
    assert sizes.is_sorted(descending=True), "community 0 is the largest"


def test_self_loops_and_repeated_pairs_are_cleaned():
    clean = pl.DataFrame(
        {"src_id": ["a", "a", "b", "c"], "dst_id": ["b", "c", "c", "d"], "weight": [3.0, 1, 1, 2]}
    )
    messy = pl.DataFrame(
        {
            "src_id": ["a", "b", "a", "b", "c", "b", "d"],
            "dst_id": ["b", "a", "c", "c", "d", "b", "d"],
            "weight": [1.0, 2.0, 1.0, 1.0, 2.0, 5.0, 1.0],
        }
    )
    assert_frame_equal(node_metrics(messy), node_metrics(clean))
    got = node_metrics(messy).select("node_id", "degree", "weighted_degree", "clustering").rows()
    assert got == [("a", 2, 4.0, 1.0), ("b", 2, 4.0, 1.0), ("c", 3, 4.0, 1 / 3), ("d", 1, 2.0, 0.0)]


def test_empty_and_invalid_input():
    empty = pl.DataFrame(schema={"src_id": pl.String, "dst_id": pl.String, "weight": pl.Float64})
    assert node_metrics(empty).height == 0
    with pytest.raises(ValueError, match="negative"):
        node_metrics(pl.DataFrame({"src_id": ["a"], "dst_id": ["b"], "weight": [-1.0]}))
    with pytest.raises(ValueError, match="lacks column"):
        node_metrics(pl.DataFrame({"src_id": ["a"], "dst_id": ["b"]}))


def test_modularity_accepts_frames_mappings_and_sets(planted):
    G, edges = planted
    parts = [set(range(i * SIZE, (i + 1) * SIZE)) for i in range(GROUPS)]
    sets = [{_name(v) for v in part} for part in parts]
    mapping = {v: i for i, part in enumerate(sets) for v in part}
    frame = pl.DataFrame({"node_id": list(mapping), "community_id": list(mapping.values())})
    expected = nx.community.modularity(G, sets, weight="weight")
    for given in (sets, mapping, frame):
        assert modularity(edges, given) == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match="no community"):
        modularity(edges, sets[1:])


def test_adjusted_rand_index():
    assert adjusted_rand_index([0, 0, 1, 1], [5, 5, 2, 2]) == 1.0
    # Values from sklearn.metrics.adjusted_rand_score.
    assert adjusted_rand_index([0, 0, 1, 2], [0, 0, 1, 1]) == pytest.approx(0.5714285714)
    assert adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2]) == pytest.approx(-4 / 11)


def test_lastfm_friend_graph_matches_networkx():
    if not LASTFM.exists():
        pytest.skip(f"Last.fm hetrec2011 friend file not found: {LASTFM}")
    # networkx straight from the raw file (the header is the only line that is not a pair).
    with LASTFM.open() as handle:
        next(handle)
        G = nx.parse_edgelist(handle, delimiter="\t", nodetype=int)
    nx.set_edge_attributes(G, 1.0, "weight")
    # Each friendship is listed in both directions: one unit-weight row per pair.
    edges = (
        pl.read_csv(LASTFM, separator="\t")
        .select(
            src_id=pl.min_horizontal("userID", "friendID"),
            dst_id=pl.max_horizontal("userID", "friendID"),
        )
        .unique()
        .with_columns(weight=pl.lit(1.0))
    )
    assert edges.height == G.number_of_edges()
    fast = node_metrics(edges)
    _assert_same_metrics(fast, networkx_metrics(G))
    q_fast = modularity(edges, fast)
    q_nx = modularity(edges, nx.community.louvain_communities(G, seed=42))
    assert abs(q_fast - q_nx) <= 0.05 * q_nx, f"modularity fast {q_fast:.4f} vs nx {q_nx:.4f}"


def _clique_ring() -> tuple[pl.DataFrame, list[int]]:
    """Twelve cliques of 8 in a ring, weights varied; the cliques are the planted partition."""
    G = nx.ring_of_cliques(12, 8)
    rng = np.random.default_rng(3)
    edges = pl.DataFrame(
        [(_name(u), _name(v), float(rng.uniform(0.5, 2.0))) for u, v in G.edges],
        schema=["src_id", "dst_id", "weight"],
        orient="row",
    )
    return edges, [v // 8 for v in range(96)]


def test_leiden_is_deterministic_and_recovers_planted_partitions(planted):
    from wealthgraph.graph.communities import leiden, to_igraph
    from wealthgraph.graph.edgelist import index_edges

    for edges, truth in (_clique_ring(), (planted[1], None)):
        graph = index_edges(edges)
        g = to_igraph(graph)
        first = leiden(g, graph.weight, seed=5, resolution=1.0)
        assert first.tolist() == leiden(g, graph.weight, seed=5).tolist()
        found = node_metrics(edges, method="leiden")
        assert found["community_id"].to_list() == node_metrics(edges)["community_id"].to_list()
        truth = truth or [int(v[1:]) // SIZE for v in found["node_id"]]
        assert adjusted_rand_index(truth, found["community_id"].to_numpy()) > 0.99
        q_leiden = modularity(edges, found)
        q_louvain = modularity(edges, node_metrics(edges, method="louvain"))
        assert q_leiden >= q_louvain - 0.01, (q_leiden, q_louvain)


def test_unknown_community_method_is_a_clear_error(planted):
    with pytest.raises(ValueError, match="unknown community method 'walktrap'"):
        node_metrics(planted[1], method="walktrap")
