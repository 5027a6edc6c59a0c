"""The social map recovers what the generator planted, and never shows personal data."""

from __future__ import annotations

import itertools

import polars as pl

from tests.conftest import SAMPLE
from wealthgraph.graph import adjusted_rand_index, node_metrics
from wealthgraph.graph.ego import ego_graph
from wealthgraph.landing import PERSONAL_FIELDS

TRUTH = SAMPLE / "_truth"


def _planted() -> pl.DataFrame:
    return pl.read_ndjson(TRUTH / "communities.jsonl.gz")


def test_found_communities_keep_planted_circles_together(con):
    found = con.execute("select node_id as customer_id, community_id from graph.node_metrics").pl()
    joined = found.join(_planted(), on="customer_id", suffix="_planted")
    together = total = 0
    for _, circle in joined.group_by("community_id_planted"):
        for a, b in itertools.combinations(circle["community_id"].to_list(), 2):
            total += 1
            together += a == b
    recall = together / total
    # measured on the sample: 0.9+; circles merge into larger communities, they do not split
    assert recall >= 0.8, recall


def test_planted_circles_recovered_at_circle_resolution(con):
    edges = con.execute(
        "select src_id, dst_id, tie_strength as weight from graph.edges "
        "where edge_kind = 'customer' order by src_id, dst_id"
    ).pl()
    found = node_metrics(edges, seed=42, resolution=8.0)
    joined = found.join(_planted(), left_on="node_id", right_on="customer_id")
    ari = adjusted_rand_index(joined["community_id"], joined["community_id_right"])
    assert ari >= 0.5, ari  # measured on the sample: 0.69 Leiden, 0.67 Louvain (random: 0.0)


def test_people_you_may_know_recovers_hidden_friendships(con):
    """Hide one friendship of each of 300 customers; most come back in their top 10."""
    import numpy as np

    from wealthgraph.graph import people_you_may_know

    friends = con.execute(
        "select src_id, dst_id, tie_strength as weight from graph.edges "
        # ordered: which friendships are hidden must not depend on DuckDB's scan order
        "where relation = 'friend' order by src_id, dst_id"
    ).pl()
    groups = con.execute("select customer_id, group_id from graph.memberships").pl()
    rng = np.random.default_rng(7)
    order = rng.permutation(friends.height)
    hidden, used = [], set()
    for i in order:
        a, b = friends["src_id"][int(i)], friends["dst_id"][int(i)]
        if a not in used and b not in used:
            hidden.append(int(i))
            used.update((a, b))
        if len(hidden) == 300:
            break
    kept = friends.with_row_index("i").filter(~pl.col("i").is_in(hidden)).drop("i")
    suggested = people_you_may_know(kept, groups, top_n=10)
    held = friends[hidden]
    pairs = pl.concat(
        [
            held.select(customer_id="src_id", candidate_id="dst_id"),
            held.select(customer_id="dst_id", candidate_id="src_id"),
        ]
    )
    hits = pairs.join(suggested, on=["customer_id", "candidate_id"], how="semi").height
    hit_rate = hits / pairs.height
    # measured on the sample: 295 of 600 (0.49); 0.46-0.52 over seeds 1-12 (a random top 10
    # hits almost none), so 0.40 fails only when the ranking really got worse
    assert hit_rate >= 0.40, (
        f"{hits} of {pairs.height} hidden friends in the top 10 ({hit_rate:.2f})"
    )


def test_one_row_per_customer_and_date(con):
    for table in ("marts.social_map", "marts.user_profile"):
        rows, customers = con.execute(
            f"select count(*), count(distinct (customer_id, as_of)) from {table}"
        ).fetchone()
        registered = con.execute(
            "select count(*) from core.customers where registered_at <= "
            "(select max(partition_date) from core.events)"
        ).fetchone()[0]
        assert rows == customers == registered, table


def test_no_personal_data_in_any_mart_or_graph_table(con):
    """Every name, phone and ID number of the customer file is searched for, as a whole word,
    in every value of every derived table (structs and lists included): none is found."""
    values = con.execute(
        f"select distinct unnest([{', '.join(PERSONAL_FIELDS)}]) as v from core.customers"
    ).pl()
    assert values.height > 5000
    tables = con.execute(
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where schema_name in ('graph', 'features', 'marts')"
    ).fetchall()
    assert len(tables) >= 12
    for (table,) in tables:
        columns = {
            c for (c,) in con.execute(f"select column_name from (describe {table})").fetchall()
        }
        assert not columns & set(PERSONAL_FIELDS), table
        found = con.execute(
            f"""
            select list(token) from (
                select distinct unnest(
                    regexp_split_to_array(t::varchar, '[^\\p{{L}}\\p{{N}}]+')
                ) as token
                from {table} as t
            ) where token in (select v from values)
            """
        ).fetchone()[0]
        assert not found, (table, found[:3])


def test_ego_graph_in_one_call(sample_warehouse, con):
    customer = con.execute(
        "select customer_id from marts.social_map order by friends desc limit 1"
    ).fetchone()[0]
    G = ego_graph(customer, database=sample_warehouse.database)
    friends = con.execute(
        "select friends from marts.social_map where customer_id = ?", [customer]
    ).fetchone()[0]
    assert (
        sum(1 for _, _, d in G.edges(customer, data=True) if d["relation"] == "friend") == friends
    )
    assert all(d["weight"] > 0 for _, _, d in G.edges(data=True))


def test_social_map_behaviour_matches_the_events(con):
    checked = con.execute(
        """
        select count(*) filter (where m.messages <> e.messages or m.transfers <> e.transfers)
        from marts.social_map m
        join (
            select user_id as customer_id,
                count(*) filter (where event_type like 'message%') as messages,
                count(*) filter (where event_type in ('transfer', 'red_packet', 'aa_bill'))
                    as transfers
            from core.events
            where ts::date > (select max(partition_date) - 30 from core.events)
            group by all
        ) e using (customer_id)
        """
    ).fetchone()[0]
    assert checked == 0


def test_fast_path_equals_networkx_on_the_sample(con):
    from wealthgraph.graph import modularity, networkx_metrics, to_networkx

    edges = con.execute(
        "select src_id, dst_id, tie_strength as weight from graph.edges "
        "where edge_kind = 'customer' order by src_id, dst_id"
    ).pl()
    fast = node_metrics(edges, seed=42).sort("node_id")
    slow = networkx_metrics(to_networkx(edges), seed=42).sort("node_id")
    assert fast["node_id"].to_list() == slow["node_id"].to_list()
    assert (fast["pagerank"] - slow["pagerank"]).abs().sum() < 1e-6
    assert fast["degree"].to_list() == slow["degree"].to_list()
    assert (fast["clustering"] - slow["clustering"]).abs().max() < 1e-12
    q_fast = modularity(edges, fast.select("node_id", "community_id"))
    q_slow = modularity(edges, slow.select("node_id", "community_id"))
    assert q_fast >= 0.95 * q_slow, (q_fast, q_slow)
