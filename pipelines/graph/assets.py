"""graph.*: the weighted social graph, its node metrics, circles, and people you may know."""

import dagster as dg

from pipelines.lineage import table_keys
from pipelines.metadata import preview_metadata
from pipelines.partitions import run_as_of
from pipelines.resources import Warehouse
from pipelines.sql_asset import sql_asset
from wealthgraph.config import GRAPH
from wealthgraph.graph import node_metrics as compute_node_metrics
from wealthgraph.graph import people_you_may_know as compute_pymk
from wealthgraph.warehouse import latest_day, write_slice

memberships = sql_asset(
    "graph",
    "memberships",
    "Who is in which group as of the latest day: reference state plus join/leave events.",
)
edges = sql_asset(
    "graph",
    "edges",
    "One row per connected pair (customer-customer, customer-manager): evidence and tie strength.",
    check_specs=[
        dg.AssetCheckSpec(
            "endpoints_known_no_self_loops",
            asset=dg.AssetKey(["graph", "edges"]),
            blocking=True,
            description="Both endpoints are core customers (or a manager); no self-loops.",
        )
    ],
    checks=lambda con, as_of: [_edges_check(con)],
)


ties = sql_asset(
    "graph",
    "ties",
    "Customer-to-customer edges seen from each end: one row per customer and contact.",
)


def _edges_check(con) -> dg.AssetCheckResult:
    bad = con.execute(
        """
        select
            count(*) filter (where src_id = dst_id) as self_loops,
            count(*) filter (
                where src_id not in (select customer_id from core.customers)
                or (edge_kind = 'customer'
                    and dst_id not in (select customer_id from core.customers))
                or (edge_kind = 'manager'
                    and dst_id not in (select manager_id from core.managers))
            ) as unknown_endpoints,
            count(*) filter (where edge_kind = 'customer' and src_id > dst_id) as unordered
        from graph.edges
        """
    ).fetchone()
    return dg.AssetCheckResult(
        check_name="endpoints_known_no_self_loops",
        passed=sum(bad) == 0,
        metadata=dict(
            zip(("self_loops", "unknown_endpoints", "unordered_pairs"), bad, strict=True)
        ),
    )


def _customer_edges(con):
    return con.execute(
        """
        select src_id, dst_id, tie_strength as weight
        from graph.edges where edge_kind = 'customer'
        """
    ).pl()


@dg.asset(key_prefix="graph", group_name="graph", deps=table_keys("graph.edges"))
def node_metrics(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Per customer in the graph: degree, weighted degree, PageRank, community, clustering."""
    with warehouse.get_connection() as con:
        as_of = latest_day(con, run_as_of(context))
        frame = compute_node_metrics(
            _customer_edges(con), seed=GRAPH.louvain_seed, resolution=GRAPH.louvain_resolution
        )
        # graph tables hold the latest graph only; as_of says which day that is
        rows = write_slice(con, "graph.node_metrics", frame.with_columns(as_of=as_of), None)
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "communities": frame["community_id"].n_unique(),
            "top_influencers": preview_metadata(frame.sort("pagerank_rank").head(5)),
        }
    )


communities = sql_asset(
    "graph",
    "communities",
    "One row per community (circle): size, members' AUM, dominant topics and product classes.",
)


@dg.asset(
    key_prefix="graph", group_name="graph", deps=table_keys("graph.edges", "graph.memberships")
)
def people_you_may_know(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Per customer: top friend suggestions (friends of friends, shared groups) with the reason."""
    with warehouse.get_connection() as con:
        as_of = latest_day(con, run_as_of(context))
        friends = con.execute(
            """
            select src_id, dst_id, tie_strength as weight
            from graph.edges where edge_kind = 'customer' and relation = 'friend'
            """
        ).pl()
        groups = con.execute("select customer_id, group_id from graph.memberships").pl()
        frame = compute_pymk(
            friends, groups, top_n=GRAPH.pymk_top_n, max_group_size=GRAPH.pymk_max_group_size
        )
        rows = write_slice(con, "graph.people_you_may_know", frame.with_columns(as_of=as_of), None)
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "customers": frame["customer_id"].n_unique(),
            "preview": preview_metadata(frame.head(5)),
        }
    )
