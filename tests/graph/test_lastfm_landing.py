"""The real Last.fm friend network, through the landing format and the graph SQL, gives the
same graph and metrics as networkx computed directly on the raw file."""

from __future__ import annotations

import datetime as dt

import networkx as nx
import polars as pl
import pytest

from tests.conftest import SHARED_DATASETS
from wealthgraph.adapters.lastfm import convert
from wealthgraph.config import sql_params
from wealthgraph.graph import node_metrics, people_you_may_know
from wealthgraph.ingest import ingest_landing
from wealthgraph.sql import build_days, build_table
from wealthgraph.warehouse import connect

LASTFM = SHARED_DATASETS / "lastfm_hetrec2011"
AS_OF = dt.date(2011, 12, 31)


@pytest.fixture(scope="module")
def lastfm(tmp_path_factory):
    if not (LASTFM / "user_friends.dat").exists():
        pytest.skip(f"Last.fm dataset not found at {LASTFM} (../shared/datasets is optional)")
    root = tmp_path_factory.mktemp("lastfm")
    convert(LASTFM, root / "landing", events=False)
    con = connect(root / "wh.duckdb")
    counts = ingest_landing(con, root / "landing", [])
    assert all(c.balanced and c.rows_quarantined == 0 for c in counts), counts
    params = {"as_of": AS_OF, **sql_params()}
    build_table(con, "graph", "memberships", params)
    # no events: the per-day evidence is empty and the edges are the friendships
    build_days(con, "graph", "edge_days", "evidence_date", AS_OF, AS_OF, params)
    build_table(con, "graph", "edges", params)
    edges = con.execute(
        "select src_id, dst_id, tie_strength as weight, relation from graph.edges"
    ).pl()
    con.close()
    raw = pl.read_csv(LASTFM / "user_friends.dat", separator="\t")
    G = nx.Graph()
    G.add_edges_from(
        (f"U{a:05d}", f"U{b:05d}") for a, b in raw.select("userID", "friendID").iter_rows()
    )
    return edges, G


def test_edges_are_the_raw_friendships(lastfm):
    edges, G = lastfm
    assert edges.height == G.number_of_edges() == 12_717
    assert set(edges["relation"].unique()) == {"friend"}
    assert {tuple(sorted(e)) for e in G.edges} == set(
        zip(edges["src_id"], edges["dst_id"], strict=True)
    )


def test_metrics_match_networkx_on_the_raw_file(lastfm):
    edges, G = lastfm
    metrics = node_metrics(edges.select("src_id", "dst_id", "weight"), seed=42)
    assert edges["weight"].unique().to_list() == [1.0]  # friends, no interactions: unit ties
    by_node = {row["node_id"]: row for row in metrics.iter_rows(named=True)}
    pagerank = nx.pagerank(G, tol=1e-10)
    l1 = sum(abs(by_node[n]["pagerank"] - p) for n, p in pagerank.items())
    assert l1 < 1e-6, l1
    assert all(by_node[n]["degree"] == d for n, d in G.degree)
    clustering = nx.clustering(G)
    assert max(abs(by_node[n]["clustering"] - c) for n, c in clustering.items()) < 1e-12
    ours = {}
    for node, community in zip(metrics["node_id"], metrics["community_id"], strict=True):
        ours.setdefault(community, set()).add(node)
    reference = nx.community.louvain_communities(G, seed=42)
    q_ours = nx.community.modularity(G, list(ours.values()))
    q_reference = nx.community.modularity(G, reference)
    assert q_ours >= 0.95 * q_reference, (q_ours, q_reference)


def test_people_you_may_know_on_lastfm_never_suggests_a_friend(lastfm):
    edges, G = lastfm
    suggestions = people_you_may_know(
        edges.select("src_id", "dst_id", "weight"),
        pl.DataFrame(schema={"customer_id": pl.String, "group_id": pl.String}),
        top_n=10,
    )
    pairs = list(zip(suggestions["customer_id"], suggestions["candidate_id"], strict=True))
    assert pairs and not any(G.has_edge(a, b) or a == b for a, b in pairs)
    assert suggestions.group_by("customer_id").len()["len"].max() <= 10
