"""People-you-may-know: right answers on literal graphs, never a friend or oneself, honest
reasons, the group-size and hub caps, and held-out friendships recovered on a planted graph."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from wealthgraph.graph import people_you_may_know

NO_GROUPS = pl.DataFrame(schema={"customer_id": pl.String, "group_id": pl.String})


def _friends(*pairs: tuple[str, str] | tuple[str, str, float]) -> pl.DataFrame:
    rows = [(p[0], p[1], p[2] if len(p) == 3 else 1.0) for p in pairs]
    return pl.DataFrame(rows, schema=["src_id", "dst_id", "weight"], orient="row")


def _groups(**groups: str) -> pl.DataFrame:
    rows = [(member, g) for g, members in groups.items() for member in members.split()]
    return pl.DataFrame(rows, schema=["customer_id", "group_id"], orient="row")


def _suggestions(out: pl.DataFrame, customer: str) -> list[str]:
    return out.filter(pl.col("customer_id") == customer).sort("rank")["candidate_id"].to_list()


def test_the_missing_side_of_a_triangle_is_the_top_suggestion():
    out = people_you_may_know(_friends(("a", "b", 4.0), ("b", "c")), NO_GROUPS)
    top = out.filter(pl.col("customer_id") == "a").row(0, named=True)
    assert (top["candidate_id"], top["rank"], top["mutual_friends"]) == ("c", 1, 1)
    assert top["reason"] == "1 mutual friend"
    # sqrt(4 * 1) / log(1 + degree of b)
    assert top["score"] == pytest.approx(2 / math.log(3))
    assert _suggestions(out, "c") == ["a"]
    assert _suggestions(out, "b") == [], "b already knows everyone"


def test_ranking_prefers_more_and_stronger_mutual_friends_and_caps_at_top_n():
    friends = _friends(
        ("u", "m1"), ("u", "m2"), ("u", "m3", 5.0),
        ("m1", "x"), ("m2", "x"),  # x: two mutual friends
        ("m3", "y", 5.0),  # y: one strong mutual friend
        ("m1", "z"),  # z: one ordinary mutual friend
    )  # fmt: skip
    out = people_you_may_know(friends, NO_GROUPS)
    assert _suggestions(out, "u") == ["y", "x", "z"]
    assert _suggestions(people_you_may_know(friends, NO_GROUPS, top_n=2), "u") == ["y", "x"]
    ranks = out.group_by("customer_id").agg(pl.col("rank").sort())
    assert all(r == list(range(1, len(r) + 1)) for r in ranks["rank"].to_list())


def test_never_suggests_a_friend_or_oneself():
    G = nx.gnm_random_graph(300, 1500, seed=3)
    friends = pl.DataFrame(
        {"src_id": [f"c{u}" for u, _ in G.edges], "dst_id": [f"c{v}" for _, v in G.edges]}
    ).with_columns(weight=pl.lit(1.0))
    groups = pl.DataFrame({"customer_id": [f"c{v}" for v in G], "group_id": [v % 7 for v in G]})
    out = people_you_may_know(friends, groups.with_columns(pl.col("group_id").cast(pl.String)))
    assert out.height > 0
    assert out.filter(pl.col("customer_id") == pl.col("candidate_id")).height == 0
    both_ways = pl.concat(
        [friends.select("src_id", "dst_id"), friends.select(src_id="dst_id", dst_id="src_id")]
    )
    known = out.join(
        both_ways, left_on=["customer_id", "candidate_id"], right_on=["src_id", "dst_id"]
    )
    assert known.height == 0
    assert (out.group_by("customer_id").len()["len"] <= 10).all()


def test_reasons_count_and_pluralise_right():
    friends = _friends(("u", "a"), ("u", "b"), ("v", "a"), ("v", "b"), ("u", "c"), ("w", "c"))
    groups = _groups(g1="u v", g2="u w x", g3="u w x", g4="u x")
    out = people_you_may_know(friends, groups)
    reason = {
        r["candidate_id"]: r["reason"] for r in out.filter(customer_id="u").iter_rows(named=True)
    }
    assert reason == {
        "v": "2 mutual friends, 1 shared group",
        "w": "1 mutual friend, 2 shared groups",
        "x": "3 shared groups",
    }


def test_group_co_members_are_suggested_within_the_size_cap():
    groups = _groups(small="p q r", big="p s t u")
    out = people_you_may_know(_friends(("p", "q")), groups, max_group_size=3)
    assert _suggestions(out, "p") == ["r"], "q is a friend; s, t, u are only in a too-big group"
    row = out.filter(customer_id="r", candidate_id="p").row(0, named=True)
    assert (row["shared_groups"], row["reason"]) == (1, "1 shared group")
    assert row["score"] == pytest.approx(0.5 / math.log(4))
    uncapped = people_you_may_know(_friends(("p", "q")), groups, max_group_size=4)
    assert set(_suggestions(uncapped, "p")) == {"r", "s", "t", "u"}


def test_hubs_do_not_generate_candidates_but_count_as_mutual_friends():
    # h knows everyone; a and b also share the ordinary friend m.
    friends = _friends(*[("h", x) for x in "abcdef"], ("a", "m"), ("b", "m"))
    out = people_you_may_know(friends, NO_GROUPS, max_friend_degree=5)
    assert _suggestions(out, "a") == ["b"], "c..f are reachable only through the hub"
    row = out.filter(customer_id="a").row(0, named=True)
    assert (row["mutual_friends"], row["reason"]) == (2, "2 mutual friends")
    assert row["score"] == pytest.approx(1 / math.log(3)), "the hub adds nothing to the score"
    assert _suggestions(people_you_may_know(friends, NO_GROUPS), "c") == ["a", "b", "d", "e", "f"]


def test_batches_and_threads_do_not_change_the_answer():
    G = nx.powerlaw_cluster_graph(400, 4, 0.3, seed=5)
    rng = np.random.default_rng(5)
    friends = pl.DataFrame(
        {
            "src_id": [f"c{u:03d}" for u, _ in G.edges],
            "dst_id": [f"c{v:03d}" for _, v in G.edges],
            "weight": rng.uniform(0.5, 3.0, G.number_of_edges()),
        }
    )
    groups = pl.DataFrame({"customer_id": [f"c{v:03d}" for v in range(0, 400, 3)]}).with_columns(
        group_id=pl.int_range(pl.len()).mod(9).cast(pl.String)
    )
    whole = people_you_may_know(friends, groups, workers=1)
    assert_frame_equal(whole, people_you_may_know(friends, groups, batch_pairs=1, workers=1))
    # batches scored in two threads at once, finishing in any order
    assert_frame_equal(whole, people_you_may_know(friends, groups, batch_pairs=500, workers=2))


def test_held_out_friends_come_back_in_the_top_10():
    """Remove one friendship each for 200 users of a planted-partition graph and find the
    removed friend in that user's top 10 for most of them.

    Ties inside a planted block are independent, so nothing tells the removed friend from the
    other non-friends of the same block: the best possible hit rate is about 10 / (those
    non-friends + 1). Blocks of 20 with p_in 0.5 leave ~10 of them, so this checks that
    block-mates (~4 mutual friends) outrank outsiders reached through a cross-block tie (~1);
    seeds 1..7 give 68-78%.
    """
    G = nx.planted_partition_graph(50, 20, 0.5, 0.002, seed=11)
    rng = np.random.default_rng(11)
    held_out: dict[int, int] = {}
    for u in rng.permutation(G.number_of_nodes()):
        options = [v for v in G[u] if G.degree(v) > 1 and v not in held_out]
        if u in held_out or G.degree(u) < 2 or not options:
            continue
        v = int(rng.choice(options))
        G.remove_edge(u, v)
        held_out[int(u)] = v
        if len(held_out) == 200:
            break
    assert len(held_out) == 200
    friends = pl.DataFrame(
        {
            "src_id": [f"c{u:04d}" for u, _ in G.edges],
            "dst_id": [f"c{v:04d}" for _, v in G.edges],
            "weight": rng.uniform(0.5, 3.0, G.number_of_edges()),
        }
    )
    out = people_you_may_know(friends, NO_GROUPS, top_n=10)
    hits = out.join(
        pl.DataFrame(
            {
                "customer_id": [f"c{u:04d}" for u in held_out],
                "candidate_id": [f"c{v:04d}" for v in held_out.values()],
            }
        ),
        on=["customer_id", "candidate_id"],
    ).height
    rate = hits / len(held_out)
    assert rate > 0.5, f"held-out friend in the top 10 for {hits}/200 users ({rate:.0%})"


def _hub_graph(hub_degree: int = 2000) -> pl.DataFrame:
    """A hub with ``hub_degree`` friends of varied tie strength, its friends in a sparse ring."""
    rng = np.random.default_rng(11)
    leaves = [f"x{i:04d}" for i in range(hub_degree)]
    weights = rng.uniform(0.5, 3.0, hub_degree).tolist()
    spokes = [("hub", x, w) for x, w in zip(leaves, weights, strict=True)]
    ring = [(a, b, 1.0) for a, b in zip(leaves, leaves[1:] + leaves[:1], strict=True)]
    return _friends(*spokes, *ring)


def test_max_via_bounds_the_two_hop_pairs_of_a_hub():
    import scipy.sparse as sp

    from wealthgraph.graph.edgelist import index_edges
    from wealthgraph.graph.pymk import _score_factors, _symmetric

    friends, k = _hub_graph(), 5
    graph = index_edges(friends)
    degree = graph.degree()
    usable = degree > 0  # no degree cap: the hub is a mutual friend like any other
    no_groups = sp.csr_array((graph.n, 0))
    adjacency = _symmetric(graph, np.ones(2 * len(graph.lo)))

    def pairs(max_via: int | None) -> tuple[float, int]:
        left, right, cost = _score_factors(graph, adjacency, degree, usable, no_groups, max_via)
        two_hop = left[:, : graph.n] @ right[: graph.n]  # friend-of-friend part only
        return cost.sum(), two_hop.nnz

    unbounded_cost, unbounded_nnz = pairs(None)
    assert unbounded_cost > 2000**2, "the hub alone makes d² pairs"
    bounded_cost, bounded_nnz = pairs(k)
    assert bounded_cost <= graph.n * k * k
    assert bounded_nnz <= bounded_cost < unbounded_cost
    assert bounded_nnz < unbounded_nnz
    # The hub introduces only its k strongest friends to each of its friends.
    out = people_you_may_know(friends, NO_GROUPS, max_friend_degree=10**9, max_via=k)
    strongest = friends.sort("weight", "dst_id", descending=[True, False]).head(k)["dst_id"]
    via_hub = out.filter(pl.col("customer_id") == "x0500", pl.col("candidate_id") != "x0502")
    assert set(via_hub["candidate_id"]) <= set(strongest) | {"x0498"}


def test_max_via_at_least_the_largest_degree_changes_nothing():
    from wealthgraph.graph.pymk import _strongest

    G = nx.powerlaw_cluster_graph(400, 4, 0.3, seed=5)
    rng = np.random.default_rng(5)
    friends = pl.DataFrame(
        {
            "src_id": [f"c{u:03d}" for u, _ in G.edges],
            "dst_id": [f"c{v:03d}" for _, v in G.edges],
            "weight": rng.uniform(0.5, 3.0, G.number_of_edges()),
        }
    )
    groups = pl.DataFrame({"customer_id": [f"c{v:03d}" for v in range(0, 400, 3)]}).with_columns(
        group_id=pl.int_range(pl.len()).mod(9).cast(pl.String)
    )
    top = max(d for _, d in G.degree)
    unbounded = people_you_may_know(friends, groups, max_via=None)
    assert_frame_equal(unbounded, people_you_may_know(friends, groups, max_via=top))
    assert_frame_equal(unbounded, people_you_may_know(friends, groups, max_via=10 * top))
    matrix = nx.to_scipy_sparse_array(G, weight=None, format="csr")
    assert (_strongest(matrix, top) != matrix).nnz == 0
    bounded = people_you_may_know(friends, groups, max_via=3)
    assert not bounded.equals(unbounded), "a small max_via does change the ranking"
