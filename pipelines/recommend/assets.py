"""recommend.*: one table per recommendation kind, each with the contract's columns."""

import dagster as dg

from pipelines.lineage import table_keys
from pipelines.metadata import preview_metadata
from pipelines.partitions import run_as_of
from pipelines.resources import Warehouse
from pipelines.sql_asset import sql_asset
from wealthgraph.recommend import products as product_recommender
from wealthgraph.warehouse import latest_day, write_slice


@dg.asset(
    key_prefix="recommend",
    group_name="recommend",
    # what product_recommender.load_inputs reads
    deps=table_keys(
        "features.customers",
        "features.holdings",
        "features.product_interactions",
        "marts.user_profile",
        "marts.wealth_summary",
        "graph.edges",
        "core.articles",
        "core.enums",
        "core.events",
        "core.products",
    ),
)
def products(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """Per customer: suitable wealth products from the social blend (ALS, ties, co-holding)."""
    with warehouse.get_connection() as con:
        as_of = latest_day(con, run_as_of(context))
        inputs = product_recommender.load_inputs(con, as_of)
        frame = product_recommender.recommend(product_recommender.fit(inputs))
        rows = write_slice(con, "recommend.products", frame.with_columns(as_of=as_of), None)
    return dg.MaterializeResult(
        metadata={
            "rows": rows,
            "customers": frame["customer_id"].n_unique(),
            "of_customers": inputs.customers.height,
            "preview": preview_metadata(frame.head(5)),
        }
    )


loans = sql_asset(
    "recommend",
    "loans",
    "Per customer: loans they qualify for by credit grade, debt and repayment record.",
)
topics = sql_asset(
    "recommend",
    "topics",
    "Per customer: finance topics read by close friends and their circle, not yet followed.",
)
activities = sql_asset(
    "recommend",
    "activities",
    "Per customer: industry and interest groups in their branch that friends belong to.",
)
