"""graph.*: the weighted social graph, its node metrics, circles, people you may know, and
what the network says about a customer's credit."""

import dagster as dg

from pipelines.lineage import table_keys
from pipelines.metadata import preview_metadata, table_metadata
from pipelines.partitions import run_as_of
from pipelines.resources import Warehouse
from pipelines.sql_asset import sql_asset
from pipelines.violations import violation_checks
from wealthgraph.config import GRAPH
from wealthgraph.graph import node_metrics as compute_node_metrics
from wealthgraph.graph import people_you_may_know as compute_pymk
from wealthgraph.graph.metrics import influence_percentile
from wealthgraph.warehouse import latest_day, write_slice

EDGES_SPECS, EDGES_CHECKS = violation_checks("graph.edges")

memberships = sql_asset(
    "graph",
    "memberships",
)
edge_days = sql_asset(
    "graph",
    "edge_days",
    by_day="evidence_date",
)
edges = sql_asset(
    "graph",
    "edges",
    check_specs=EDGES_SPECS,
    checks=EDGES_CHECKS,
)


ties = sql_asset(
    "graph",
    "ties",
)


def _customer_edges(con):
    return con.execute(
        """
        select src_id, dst_id, tie_strength as weight
        from graph.edges where edge_kind = 'customer'
        """
    ).pl()


@dg.asset(
    key_prefix="graph",
    group_name="graph",
    deps=table_keys("graph.edges", "features.customers"),
)
def node_metrics(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        as_of = latest_day(con, run_as_of(context))
        frame = compute_node_metrics(
            _customer_edges(con),
            seed=GRAPH.louvain_seed,
            resolution=GRAPH.louvain_resolution,
            method=GRAPH.community_method,
        )
        customers = con.execute(
            "select customer_id from features.customers where as_of = ?", [as_of]
        ).pl()["customer_id"]
        frame = frame.with_columns(influence_percentile(frame, customers))
        # graph tables hold the latest graph only; as_of says which day that is
        rows = write_slice(con, "graph.node_metrics", frame.with_columns(as_of=as_of), None)
        table = table_metadata(con, "graph.node_metrics", rows)
    return dg.MaterializeResult(
        metadata={
            **table,
            "communities": frame["community_id"].n_unique(),
            "top_influencers": preview_metadata(frame.sort("pagerank_rank").head(5)),
        }
    )


communities = sql_asset(
    "graph",
    "communities",
)


@dg.asset(
    key_prefix="graph", group_name="graph", deps=table_keys("graph.edges", "graph.memberships")
)
def people_you_may_know(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
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
        table = table_metadata(con, "graph.people_you_may_know", rows)
    return dg.MaterializeResult(
        metadata={
            **table,
            "customers": frame["customer_id"].n_unique(),
            "preview": preview_metadata(frame.head(5)),
        }
    )


social_credit = sql_asset("graph", "social_credit", by_as_of=True, group="risk")
